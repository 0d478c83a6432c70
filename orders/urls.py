"""The seller's pages of posting, editing, opening, cancelling and uploading orders, under
/seller/ (the dashboard and the order page are web/seller_pages.py, same prefix)."""

from django.urls import path

from orders import views

urlpatterns = [
    path("orders/", views.order_list_page, name="seller-orders"),
    path("orders/new/", views.order_new, name="seller-order-new"),
    path("orders/<int:pk>/edit/", views.order_edit, name="seller-order-edit"),
    path("orders/<int:pk>/open/", views.order_open, name="seller-order-open"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="seller-order-cancel"),
    path("orders/<int:pk>/delete/", views.order_delete, name="seller-order-delete"),
    path("orders/<int:pk>/reorder/", views.order_reorder, name="seller-order-reorder"),
    path("upload/", views.upload, name="seller-upload"),
    path("upload/template.csv", views.upload_template_csv, name="seller-upload-template-csv"),
    path("upload/template.xlsx", views.upload_template_xlsx, name="seller-upload-template-xlsx"),
]
