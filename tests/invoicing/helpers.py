from __future__ import annotations

import itertools
from decimal import Decimal

from django.db import transaction

from pharmcrm.customers.profile_models import InvoiceProfile
from pharmcrm.invoicing import services
from tests.agency.helpers import make_product  # noqa: F401  re-exported

_src = itertools.count(1)


def profile(customer, title=None):
    return InvoiceProfile.objects.create(customer=customer, title=title or customer.name,
                                         taxpayer_id="91310000MA1FL0001X", address="上海市浦东新区", phone="021-5555",
                                         bank="工商银行", account="1001", invoice_type="vat_special")


def sale(customer, product, price, qty, *, actor=None, amount=None, terminal_type="", source_id=None, rate="13"):
    price, qty = Decimal(str(price)), Decimal(str(qty))
    amount = services.cents(price * qty) if amount is None else Decimal(str(amount))
    with transaction.atomic():
        return services.record_sale(actor=actor, source_type="test.sale", source_id=source_id or next(_src),
                                    customer_id=customer.pk, product_id=product.pk, unit_price=price, quantity=qty,
                                    amount=amount, tax_rate=Decimal(rate), terminal_type=terminal_type)


HEADER = {"invoice_type": "vat_special", "medium": "electronic", "tax_invoice_number": "12345678"}
