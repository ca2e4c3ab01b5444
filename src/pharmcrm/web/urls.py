from django.urls import include, path
from django.views.i18n import set_language

from pharmcrm.web import regions
from pharmcrm.web.views import auth, customer_import, customers, desktop, lookup, search, transfer

app_name = "web"

# The settings area (departments, users, share groups, tokens) lives in urls_settings.py.
urlpatterns = [
    path("", desktop.desktop, name="desktop"),
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("search/", search.search, name="search"),
    path("lookup/users/", lookup.user_lookup_view, name="user_lookup"),
    path("regions/children/", regions.region_children_view, name="region_children"),
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/export/", customers.customer_export, name="customer_export"),
    path("customers/new/", customers.customer_create, name="customer_create"),
    path("customers/import/", customer_import.customer_import, name="customer_import"),
    path("customers/import/template/", customer_import.customer_import_template, name="customer_import_template"),
    path("customers/import/commit/", customer_import.customer_import_commit, name="customer_import_commit"),
    path("contacts/import/", customer_import.contact_import, name="contact_import"),
    path("contacts/import/template/", customer_import.contact_import_template, name="contact_import_template"),
    path("contacts/import/commit/", customer_import.contact_import_commit, name="contact_import_commit"),
    path("customers/recycle-bin/", customers.customer_recycle_bin, name="customer_recycle_bin"),
    path("customers/transfer/", transfer.customer_transfer, name="customer_transfer"),
    path("customers/<int:customer_id>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/edit/", customers.customer_edit, name="customer_edit"),
    path("customers/<int:customer_id>/delete/", customers.customer_delete, name="customer_delete"),
    path("customers/<int:customer_id>/restore/", customers.customer_restore, name="customer_restore"),
    path("customers/<int:customer_id>/shares/", customers.customer_shares, name="customer_shares"),
    path("customers/<int:customer_id>/shares/<int:share_id>/delete/", customers.customer_share_delete,
         name="customer_share_delete"),
    path("settings/", include("pharmcrm.web.urls_settings")),
    path("", include("pharmcrm.web.urls_contacts")),  # contacts (联系人) and the customer look-up
    path("", include("pharmcrm.web.urls_qualifications")),  # qualification documents (首营资料)
    path("catalog/", include("pharmcrm.web.urls_catalog")),  # products and price lists
    path("", include("pharmcrm.web.urls_profile")),  # the customer's 360° profile (概况 tab)
    path("", include("pharmcrm.web.urls_conflicts")),  # duplicate check (查重) and conflicts (撞单申诉)
    path("", include("pharmcrm.web.urls_pool")),  # the public pool (公海): list, claim, release, rules
    path("agreements/", include("pharmcrm.web.urls_agency")),  # agency agreements (代理协议)
    path("", include("pharmcrm.web.urls_followups")),  # follow-ups (跟进记录)
    path("", include("pharmcrm.web.urls_tickets")),  # service tickets (服务记录)
    path("", include("pharmcrm.web.urls_opportunities")),  # opportunities (销售机会) and their stages
    path("", include("pharmcrm.web.urls_quotations")),  # quotations (报价记录) and the price history
    path("", include("pharmcrm.web.urls_tenders")),  # tenders (招投标) and platform listings (挂网)
    path("", include("pharmcrm.web.urls_invoicing")),  # the invoice ledger (发票台账)
    path("", include("pharmcrm.web.urls_payments")),  # payments and receivables (回款与应收)
    path("inventory/", include("pharmcrm.web.urls_inventory")),  # stock by batch (库存/批号)
    path("", include("pharmcrm.web.urls_orders")),  # sales orders (销售订单)
    path("", include("pharmcrm.web.urls_notifications")),  # the notification centre (the bell)
    path("", include("pharmcrm.web.urls_supervision")),  # 团队动态 and 跟进日历 (calendar)
]
