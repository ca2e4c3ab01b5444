"""An independent, slow reference for who sees and who may change a contact.

It reads the raw contact and employment tables into plain data and answers with the
customers' reference (``tests/org/reference.py``: parent links walked in Python). It shares
no code with ``pharmcrm.contacts.selectors``.

The rules (see the docstrings of ``contacts/selectors.py`` and ``contacts/services.py``):

* a contact is visible to u iff it is not deleted and at least one of its employments
  (current or former) is at a customer u sees;
* on the contact, u sees exactly the employments at customers u sees;
* u may edit a contact iff u may write a customer where the contact works now — or, when
  they work nowhere now, where they worked (customers in the recycle bin do not count);
* u may delete a contact iff there is such a customer and u may write every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.org.reference import World


@dataclass(frozen=True)
class RefEmployment:
    id: int
    contact_id: int
    customer_id: int
    current: bool


@dataclass
class ContactWorld:
    world: World
    deleted: dict[int, bool]  # contact id -> deleted?
    employments: list[RefEmployment]

    def of(self, contact_id: int) -> list[RefEmployment]:
        return [e for e in self.employments if e.contact_id == contact_id]

    def visible_contacts(self, user_id: int) -> set[int]:
        seen = self.world.visible(user_id)
        return {c for c, deleted in self.deleted.items()
                if not deleted and any(e.customer_id in seen for e in self.of(c))}

    def visible_employments(self, user_id: int, contact_id: int) -> set[int]:
        seen = self.world.visible(user_id)
        return {e.id for e in self.of(contact_id) if e.customer_id in seen}

    def _acting(self, contact_id: int) -> list[int]:
        live = [e for e in self.of(contact_id) if not self.world.customers[e.customer_id].deleted]
        current = [e for e in live if e.current]
        return [e.customer_id for e in (current or live)]

    def can_edit(self, user_id: int, contact_id: int) -> bool:
        return any(self.world.can_write(user_id, c) for c in self._acting(contact_id))

    def can_delete(self, user_id: int, contact_id: int) -> bool:
        acting = self._acting(contact_id)
        return bool(acting) and all(self.world.can_write(user_id, c) for c in acting)


def load_contact_world(world: World) -> ContactWorld:
    from pharmcrm.contacts.models import Contact, Employment

    deleted = {pk: at is not None for pk, at in Contact.objects.order_by().values_list("id", "deleted_at")}
    employments = [
        RefEmployment(pk, contact, customer, end is None)
        for pk, contact, customer, end in Employment.objects.order_by().values_list(
            "id", "contact_id", "customer_id", "end_date")
    ]
    return ContactWorld(world=world, deleted=deleted, employments=employments)
