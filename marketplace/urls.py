from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from factories.api import CapabilityViewSet, CapacityWindowViewSet, FactoryViewSet
from marketplace import views
from marketplace.api import CategoryViewSet, MeApi, NotificationViewSet, RegisterApi
from marketplace.views import home
from matching.api import MatchRunViewSet, OfferViewSet, SellerAssignmentViewSet
from orders.api import OrderViewSet

router = DefaultRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("factories", FactoryViewSet, basename="factory")
router.register("capabilities", CapabilityViewSet, basename="capability")
router.register("capacity-windows", CapacityWindowViewSet, basename="capacity-window")
router.register("orders", OrderViewSet, basename="order")
router.register("offers", OfferViewSet, basename="offer")
router.register("order-assignments", SellerAssignmentViewSet, basename="order-assignment")
router.register("match-runs", MatchRunViewSet, basename="match-run")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("factory/", include("factories.urls")),
    path("seller/", include("orders.urls")),
    path("staff/", include("matching.urls")),
    path("admin/", admin.site.urls),
    path("api/auth/register/", RegisterApi.as_view(), name="register"),
    path("api/auth/token/", obtain_auth_token, name="token"),
    path("api/auth/me/", MeApi.as_view(), name="me"),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/", include(router.urls)),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
