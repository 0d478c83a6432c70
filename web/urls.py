from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from factories.api import CapabilityViewSet, CapacityWindowViewSet, FactoryViewSet
from marketplace import views
from marketplace.api import (
    CategoryViewSet,
    MeApi,
    NotificationViewSet,
    PlaceSearchApi,
    RegisterApi,
    TokenApi,
)
from marketplace.routers import IdRouter
from marketplace.throttling import LoginRateThrottle, rate_limited
from matching import views as matching_views
from matching.api import (
    MatchRunViewSet,
    PriceGuidanceViewSet,
    QuoteApi,
    SellerAssignmentViewSet,
    WhatIfViewSet,
)
from production.api import OfferViewSet, OrderViewSet
from shops.api import (
    ReplenishmentViewSet,
    SaleViewSet,
    ShopConnectionViewSet,
    ShopWebhookApi,
    SkuViewSet,
)
from web import factory_pages, seller_pages
from web.health import healthz
from web.metrics import metrics
from web.views import home

router = IdRouter()  # path ids checked in one place
router.register("categories", CategoryViewSet, basename="category")
router.register("factories", FactoryViewSet, basename="factory")
router.register("capabilities", CapabilityViewSet, basename="capability")
router.register("capacity-windows", CapacityWindowViewSet, basename="capacity-window")
router.register("orders", OrderViewSet, basename="order")
router.register("offers", OfferViewSet, basename="offer")
router.register("order-assignments", SellerAssignmentViewSet, basename="order-assignment")
router.register("match-runs", MatchRunViewSet, basename="match-run")
router.register("price-guidance", PriceGuidanceViewSet, basename="price-guidance")
router.register("what-ifs", WhatIfViewSet, basename="what-if")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("shops/connections", ShopConnectionViewSet, basename="shop-connection")
router.register("shops/skus", SkuViewSet, basename="sku")
router.register("shops/sales", SaleViewSet, basename="sale")
router.register("shops/replenishments", ReplenishmentViewSet, basename="replenishment")

api_urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/register/", RegisterApi.as_view(), name="register"),
    path("auth/token/", TokenApi.as_view(), name="token"),
    path("auth/me/", MeApi.as_view(), name="me"),
    path("places/", PlaceSearchApi.as_view(), name="place-search"),
    path("quotes/", QuoteApi.as_view(), name="quote"),
    path("shops/hooks/<str:token>/", ShopWebhookApi.as_view(), name="shop-webhook"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves its init script as a file: no inline script (CSP)
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="swagger-ui"),
    path("", include(router.urls)),
]

# the pages of the top layer, under the prefixes of the apps' own pages (/factory/, /seller/)
factory_page_urls = [
    path("", factory_pages.dashboard, name="factory-dashboard"),
    path("calendar/", factory_pages.calendar, name="factory-calendar"),
    path("offers/", factory_pages.offer_inbox, name="factory-offers"),
    path("offers/<int:pk>/", factory_pages.offer_detail, name="factory-offer"),
    path("offers/<int:pk>/accept/", factory_pages.offer_accept_view, name="factory-offer-accept"),
    path(
        "offers/<int:pk>/decline/", factory_pages.offer_decline_view, name="factory-offer-decline"
    ),
]
seller_page_urls = [
    path("", seller_pages.dashboard, name="seller-dashboard"),
    path("orders/quote/", matching_views.order_quote, name="seller-order-quote"),
    path("orders/<int:pk>/", seller_pages.order_detail, name="seller-order"),
    path(
        "orders/<int:pk>/confirm-delivery/",
        seller_pages.delivery_confirm,
        name="seller-order-confirm-delivery",
    ),
    path(
        "orders/<int:pk>/delays/<int:delay_pk>/accept/",
        seller_pages.delay_accept,
        name="seller-order-accept-delay",
    ),
    path(
        "orders/<int:pk>/standby/<int:switch_pk>/accept/",
        seller_pages.standby_accept,
        name="seller-order-accept-standby",
    ),
    path(
        "orders/<int:pk>/standby/<int:switch_pk>/decline/",
        seller_pages.standby_decline,
        name="seller-order-decline-standby",
    ),
    path(
        "orders/<int:pk>/parts/<int:part_pk>/rate/",
        seller_pages.order_rate,
        name="seller-order-rate",
    ),
    path(
        "orders/<int:pk>/parts/<int:part_pk>/dispute/",
        seller_pages.dispute_open,
        name="seller-order-dispute",
    ),
    path(
        "orders/<int:pk>/offers/<int:offer_pk>/counter/accept/",
        seller_pages.counter_accept_view,
        name="seller-order-accept-counter",
    ),
    path(
        "orders/<int:pk>/offers/<int:offer_pk>/counter/reject/",
        seller_pages.counter_reject_view,
        name="seller-order-reject-counter",
    ),
    path(
        "orders/<int:pk>/approve-sample/",
        seller_pages.sample_approve,
        name="seller-order-approve-sample",
    ),
    path(
        "orders/<int:pk>/reject-sample/",
        seller_pages.sample_reject,
        name="seller-order-reject-sample",
    ),
]

handler404 = "marketplace.errors.page_not_found"

# the admin's login form counts against the same budget as the login page
admin.site.login = rate_limited(LoginRateThrottle)(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path(
        "login/",
        rate_limited(LoginRateThrottle)(
            auth_views.LoginView.as_view(redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    # Django's language switcher, which also stores a signed-in user's choice
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("factory/", include(factory_page_urls)),
    path("factory/", include("factories.urls")),
    path("seller/", include(seller_page_urls)),
    path("seller/", include("orders.urls")),
    path("seller/", include("shops.urls")),
    path("staff/", include("matching.urls")),
    path("admin/", admin.site.urls),
    # the browsable API's session login: throttled like the login page; DRF's templates
    # reverse it as 'rest_framework:login', so it stays outside the api namespace
    path(
        "api/auth/",
        include(
            (
                [
                    path(
                        "login/",
                        rate_limited(LoginRateThrottle)(
                            auth_views.LoginView.as_view(template_name="rest_framework/login.html")
                        ),
                        name="login",
                    ),
                    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
                ],
                "rest_framework",
            )
        ),
    ),
    # the API's own names ('api:register', 'api:factory-list'), apart from the pages' names
    path("api/", include((api_urlpatterns, "api"))),
]
if settings.LOADTEST_REFERENCE_ENDPOINT:  # make loadtest only: a bare DRF create endpoint
    from loadtest.reference import ReferenceOrderCreate

    urlpatterns.append(path("api/loadtest/reference-orders/", ReferenceOrderCreate.as_view()))
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
