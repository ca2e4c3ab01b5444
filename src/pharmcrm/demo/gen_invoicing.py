"""The demo company's invoice ledger (发票台账) before its orders: the opening balances carried over
from the previous system at go-live (期初余额), stored invoices on them, pre-invoices, a red-letter
reversal and a price mismatch. (The real orders feed the ledger themselves when finance approves
them; demo/gen_settlement.py invoices those.)

Opening balances are entered through ``invoicing.services.record_sale`` with
``source_type="opening"`` (realistic products and their
national supply prices from the demo catalog, 13 % VAT or the product's rate), for customers
with invoicing data (开票资料). Then finance (钱芳) issues stored invoices — some whole, some
partial — a few pre-invoices that later opening sales consume (one partly), one red-letter reversal
and one sale at another price than its pre-invoice (the price-mismatch queue). Hospitals'
sales are public-hospital sales: their invoices record the invoice chain (two-invoice rule).
Deterministic (``random.Random(f"{seed}:invoicing")``); times are offsets from the load's
``now`` (and issue days are local days not in the future), so it works at any hour.
"""

from __future__ import annotations

import datetime
import itertools
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from pharmcrm.catalog.models import PriceKind, Product, ProductPrice, ProductStatus
from pharmcrm.customers.models import Customer
from pharmcrm.customers.profile_models import InvoiceProfile
from pharmcrm.org.models import User

FINANCE = "qianfang"
SOURCE = "opening"  # shown as 期初余额 (invoicing.selectors.SOURCE_LABELS)
D = Decimal


def _prices(limit: int) -> list[tuple[Product, Decimal]]:
    out = []
    seen = set()
    for p in (ProductPrice.objects.filter(kind=PriceKind.SUPPLY, region_code="", customer__isnull=True,
                                          product__status=ProductStatus.ACTIVE)
              .select_related("product").order_by("product_id", "-valid_from")):
        if p.product_id in seen:
            continue
        seen.add(p.product_id)
        out.append((p.product, p.price))
        if len(out) >= limit:
            break
    return out


def invoicing_load(*, seed: int, users: dict[str, User], fresh, now: datetime.datetime) -> dict[str, int]:
    from pharmcrm.invoicing import services

    rng = random.Random(f"{seed}:invoicing")
    fin = users.get(FINANCE)
    customers = list(Customer.objects.filter(
        pk__in=InvoiceProfile.objects.values("customer_id"), deleted_at__isnull=True, owner__isnull=False,
        owner__is_active=True).select_related("owner").order_by("pk")[:400])
    products = _prices(12)
    if fin is None or len(customers) < 4 or len(products) < 3:
        return {"invoice_sales": 0, "invoices": 0}
    fin = fresh(fin)
    desk = [c for c in customers if c.owner.username == "zhangwei"][:2]
    chosen = desk + rng.sample([c for c in customers if c not in desk], min(10, len(customers) - len(desk)))
    source = itertools.count(1)
    today = timezone.localdate(now)
    counts = {"invoice_sales": 0, "invoices": 0, "pre_invoices": 0, "red_letter_invoices": 0, "price_mismatches": 0}

    def record(c, product, price, qty, days_ago):
        terminal = "public_hospital" if c.type == "hospital" else ("pharmacy" if c.type in ("pharmacy", "chain")
                                                                   else "distributor")
        with transaction.atomic():
            r = services.record_sale(
                actor=fin, source_type=SOURCE, source_id=next(source), customer_id=c.pk, product_id=product.pk,
                unit_price=price, quantity=qty, amount=services.cents(price * qty), tax_rate=product.tax_rate,
                approved_at=now - datetime.timedelta(days=days_ago, hours=rng.randint(1, 8)), terminal_type=terminal)
        counts["invoice_sales"] += 1
        counts["price_mismatches"] += len(r.mismatches)
        return r.entry

    def header(c, days_ago, **kw):
        day = today - datetime.timedelta(days=days_ago)
        head = {"issued_on": day, "tax_invoice_number": f"{rng.randint(10000000, 99999999)}",
                "medium": rng.choice(["electronic", "electronic", "paper"]), **kw}
        if c.type == "hospital":
            head["invoice_chain"] = f"生产企业→{c.name[:20]}：生产企业发票号 {rng.randint(10000000, 99999999)}"
        return head

    for n, c in enumerate(chosen):
        picks = rng.sample(products, 3)
        entries = [record(c, prod, price, D(rng.choice([20, 50, 100, 120, 200, 300])), rng.randint(20, 90))
                   for prod, price in picks]
        if n % 3 == 2:
            continue  # nothing invoiced yet: the whole balance is stored
        sel = [{"sale_entry_id": entries[0].pk}]
        if n % 3 == 1:  # a partial invoice: a third of the second sale
            sel.append({"sale_entry_id": entries[1].pk, "quantity": (entries[1].quantity / 3).quantize(D(1))})
        services.invoice_issue(actor=fin, customer_id=c.pk, header=header(c, rng.randint(5, 18)), selections=sel)
        counts["invoices"] += 1
    # pre-invoices: three customers; later sales consume them (the first one partly)
    for n, c in enumerate(chosen[:3]):
        prod, price = products[n]
        services.pre_invoice_issue(actor=fin, customer_id=c.pk, header=header(c, 12, remarks="预开票"),
                                         lines=[{"product_id": prod.pk, "unit_price": price, "quantity": D(100)}])
        counts["pre_invoices"] += 1
        record(c, prod, price, (D(40), D(100), D(60))[n], 5)  # partly, wholly, partly consumed
        if n == 2:  # a sale at another price than the pre-invoice: listed for finance
            record(c, prod, (price * D("0.95")).quantize(D("0.0001")), D(30), 2)
    # one red-letter reversal: the newest stored invoice had the wrong title
    from pharmcrm.invoicing.models import Invoice

    last = Invoice.objects.filter(kind="normal", status="issued").order_by("-id").first()
    if last is not None:
        services.invoice_reverse(actor=fin, invoice_id=last.pk, reason="发票抬头有误，红冲后重开")
        counts["red_letter_invoices"] += 1
    counts["invoices"] += counts["pre_invoices"] + counts["red_letter_invoices"]
    problems = services.check_invariant()
    assert not problems, problems[:3]
    return counts
