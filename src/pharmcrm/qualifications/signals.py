"""Keep the stored flag right when a customer's type changes (the required set depends on it).

Saves through ``Customer.save`` are caught here; bulk updates (no signal) are caught by the
daily step, which recomputes every flag computed for another type.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from pharmcrm.customers.models import Customer


@receiver(post_save, sender=Customer, dispatch_uid="qualifications_customer_type")
def _customer_saved(sender, instance: Customer, created: bool, update_fields=None, raw: bool = False, **kwargs):
    if created or raw or (update_fields is not None and "type" not in update_fields):
        return
    from pharmcrm.qualifications.models import CustomerQualificationState
    from pharmcrm.qualifications.services import state_refresh

    stored = CustomerQualificationState.objects.filter(customer_id=instance.pk).values_list(
        "customer_type", flat=True).first()
    if stored is not None and stored != instance.type:
        state_refresh(customer=instance)
