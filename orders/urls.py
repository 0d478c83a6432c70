"""The seller's pages, under /seller/."""

from django.urls import path

from orders import views

urlpatterns = [
    path("", views.dashboard, name="seller-dashboard"),
    path("orders/", views.order_list_page, name="seller-orders"),
    path("orders/new/", views.order_new, name="seller-order-new"),
    path("orders/<int:pk>/", views.order_detail, name="seller-order"),
    path("orders/<int:pk>/edit/", views.order_edit, name="seller-order-edit"),
    path("orders/<int:pk>/open/", views.order_open, name="seller-order-open"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="seller-order-cancel"),
    path("orders/<int:pk>/delete/", views.order_delete, name="seller-order-delete"),
    path(
        "orders/<int:pk>/confirm-delivery/",
        views.delivery_confirm,
        name="seller-order-confirm-delivery",
    ),
    path(
        "orders/<int:pk>/delays/<int:delay_pk>/accept/",
        views.delay_accept,
        name="seller-order-accept-delay",
    ),
    path("orders/<int:pk>/parts/<int:part_pk>/rate/", views.order_rate, name="seller-order-rate"),
    path(
        "orders/<int:pk>/approve-sample/", views.sample_approve, name="seller-order-approve-sample"
    ),
    path("orders/<int:pk>/reject-sample/", views.sample_reject, name="seller-order-reject-sample"),
    path("upload/", views.upload, name="seller-upload"),
    path("upload/template.csv", views.upload_template_csv, name="seller-upload-template-csv"),
    path("upload/template.xlsx", views.upload_template_xlsx, name="seller-upload-template-xlsx"),
]
