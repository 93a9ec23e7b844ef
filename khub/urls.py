from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from khub import views

admin.site.site_header = "Knowledge Hub administration"
admin.site.site_title = "Knowledge Hub admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=static("images/favicon.svg"), permanent=True)),
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "khub.views.permission_denied"
handler404 = "khub.views.page_not_found"
handler500 = "khub.views.server_error"
