from django.urls import path

from ggzy.registry.views import centre, offered, registrations

app_name = "registry"

urlpatterns = [
    path("workspace/registrations/", registrations.registration_list, name="list"),
    path("workspace/registrations/leave/", centre.leave, name="leave"),
    path("workspace/registry/desk-heads/", centre.desk_heads, name="desk-heads"),
    path("workspace/registry/desk-heads/set/", centre.desk_head_set, name="desk-head-set"),
    path("workspace/registry/categories/", centre.categories, name="categories"),
    path("workspace/registry/categories/serve/", centre.category_serve, name="category-serve"),
    path("workspace/registry/templates/", centre.template_admin, name="template-admin"),
    path("workspace/registry/templates/upload/", centre.template_upload, name="template-upload"),
    path(
        "workspace/registry/templates/<uuid:template_uid>/replace/",
        centre.template_replace,
        name="template-replace",
    ),
    path(
        "workspace/registry/templates/<uuid:template_uid>/withdraw/",
        centre.template_withdraw,
        name="template-withdraw",
    ),
    path("workspace/registry/checklists/", centre.checklists, name="checklists"),
    path("workspace/registry/checklists/revise/", centre.checklist_revise, name="checklist-revise"),
    path("registry/templates/", offered.templates, name="templates"),
    path("registry/must-enter/", offered.must_enter, name="must-enter"),
    path("registry/methods/", offered.method_table, name="methods"),
    path("registrations/new/", registrations.registration_new, name="new"),
    path("registrations/<uuid:registration_uid>/", registrations.registration_detail, name="detail"),
    path("registrations/<uuid:registration_uid>/resubmit/", registrations.resubmit, name="resubmit"),
    path("registrations/<uuid:registration_uid>/return/", registrations.notice_issue, name="return"),
    path("registrations/<uuid:registration_uid>/accept/", registrations.accept, name="accept"),
    path(
        "registrations/<uuid:registration_uid>/items/<slug:key>/",
        registrations.item_download,
        name="download",
    ),
    path(
        "registrations/<uuid:registration_uid>/items/<slug:key>/supply/",
        registrations.item_supply,
        name="supply",
    ),
    path(
        "registrations/<uuid:registration_uid>/items/<slug:key>/confirm/",
        registrations.item_confirm,
        name="confirm",
    ),
]
