from django.urls import path

from shops import views

urlpatterns = [
    path("shops/", views.shops_page, name="seller-shops"),
    path("shops/<int:pk>/", views.shop_detail, name="seller-shop"),
    path("shops/skus/new/", views.sku_new, name="seller-sku-new"),
    path("shops/skus/<int:pk>/stock/", views.sku_stock, name="seller-sku-stock"),
    path("shops/check/", views.replenishments_check, name="seller-replenishments-check"),
    path(
        "shops/drafts/<int:pk>/approve/",
        views.replenishment_approve,
        name="seller-replenishment-approve",
    ),
]
