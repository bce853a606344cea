from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from achievements.models import Achievement
from mengkeju.postings import selectors as posting_selectors
from mengkeju.postings.forms import RejectForm
from mengkeju.postings.models import PostingStatus
from needs.models import TechnicalNeed

from . import services
from .forms import LicenceForm, ProfileForm, SignupForm
from .legal import LEGAL_VERSION
from .models import IndustryCluster, Organization, User


def home(request):
    published = Q(**{"status": PostingStatus.PUBLISHED})
    clusters = IndustryCluster.objects.annotate(
        n_needs=Count("technicalneeds", filter=Q(technicalneeds__status=PostingStatus.PUBLISHED), distinct=True),
        n_achievements=Count("achievements", filter=Q(achievements__status=PostingStatus.PUBLISHED), distinct=True),
    )
    return render(
        request,
        "home.html",
        {
            "clusters": clusters,
            "latest_needs": posting_selectors.posting_list(model=TechnicalNeed, user=request.user)[:5],
            "latest_achievements": posting_selectors.posting_list(model=Achievement, user=request.user)[:5],
            "need_count": TechnicalNeed.objects.filter(published).count(),
            "achievement_count": Achievement.objects.filter(published).count(),
        },
    )


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes' answer to a login attempt for a locked-out user name or address (site and admin
    login alike): the login page with a clear message, status 429."""
    from django.conf import settings
    from django.contrib.auth.forms import AuthenticationForm

    hours = settings.AXES_COOLOFF_TIME
    message = _(
        "Too many failed login attempts for this account or from this address. For your security, "
        "logging in is blocked for %(hours)s hour(s); try again later or reset your password."
    ) % {"hours": hours}
    form = AuthenticationForm(request)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked_out": message, "next": request.POST.get("next", "")},
        status=429,
    )


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("workbench")
    form = SignupForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_signup(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                role=form.cleaned_data["role"],
                display_name=form.cleaned_data["display_name"],
                phone=form.cleaned_data["phone"],
                organization=form.cleaned_data["organization"] if not form.new_organization() else None,
                new_organization=form.new_organization(),
                terms_version=LEGAL_VERSION,
                business_licence=form.cleaned_data.get("business_licence") if form.new_organization() else None,
            )
        except ValidationError as exc:
            # e.g. the same organization registered by another request a moment ago
            form.add_service_errors(exc)
            return render(request, "accounts/signup.html", {"form": form, "legal_version": LEGAL_VERSION})
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if form.new_organization():
            messages.info(request, _("Welcome! Your organization will be verified by a platform admin."))
        else:
            messages.info(
                request,
                _("Welcome! A platform admin will confirm that you belong to %(name)s; until then you can browse.")
                % {"name": user.requested_organization.name},
            )
        return redirect("workbench")
    return render(request, "accounts/signup.html", {"form": form, "legal_version": LEGAL_VERSION})


def legal_page(request, page: str):
    """The terms of service or the privacy policy, in the active language (Chinese unless English)."""
    language = "en" if (translation.get_language() or "").startswith("en") else "zh-hans"
    titles = {"terms": _("Terms of service"), "privacy": _("Privacy policy")}
    return render(
        request,
        "pages/legal.html",
        {"title": titles[page], "body": f"pages/{page}.{language}.html", "version": LEGAL_VERSION},
    )


@login_required
def organization_licence(request, pk: int):
    """The business licence file, to platform admins and the organization's own members only (else 404)."""
    organization = get_object_or_404(Organization, pk=pk)
    allowed = request.user.is_platform_admin or request.user.organization_id == organization.pk
    if not allowed or not organization.business_licence:
        raise Http404
    licence = organization.business_licence
    try:
        handle = licence.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = licence.name.rsplit(".", 1)[-1].lower()
    content_type = {"pdf": "application/pdf", "png": "image/png"}.get(extension, "image/jpeg")
    response = FileResponse(handle, content_type=content_type, filename=f"licence-{organization.pk}.{extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def organization_licence_upload(request):
    """A member of an unverified organization adds its business licence for the admins' verification."""
    organization = request.user.organization
    if organization is None:
        raise PermissionDenied
    form = LicenceForm(request.POST, request.FILES)
    if form.is_valid():
        services.organization_licence_upload(
            organization=organization, upload=form.cleaned_data["business_licence"], actor=request.user
        )
        messages.success(request, _("Business licence uploaded; an admin will look at it."))
    else:
        messages.error(request, " ".join(form.errors["business_licence"]))
    return redirect("accounts:profile")


def _use_language(response, language: str):
    """Switch the site to ``language`` from the next request on (Django's language cookie)."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response


class LoginView(auth_views.LoginView):
    """Django's login, then the site speaks the user's own language (``User.language``) if they chose one."""

    template_name = "accounts/login.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        return _use_language(response, form.get_user().language)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            with translation.override(user.language):
                messages.success(request, _("Profile saved."))
        else:
            messages.success(request, _("Profile saved."))
        return _use_language(redirect("accounts:profile"), user.language)
    return render(request, "accounts/profile.html", {"form": form, "licence_form": LicenceForm()})


@login_required
def moderation(request):
    """The admins' queue: postings waiting for review, and organizations waiting for verification."""
    if not request.user.is_platform_admin:
        raise PermissionDenied
    return render(
        request,
        "moderation.html",
        {
            "pending_needs": posting_selectors.posting_list_pending(model=TechnicalNeed),
            "pending_achievements": posting_selectors.posting_list_pending(model=Achievement),
            "unverified": Organization.objects.filter(verified=False).annotate(n_members=Count("members")),
            "membership_requests": User.objects.filter(requested_organization__isnull=False)
            .select_related("requested_organization")
            .prefetch_related("groups")
            .order_by("date_joined"),
            "reject_form": RejectForm(),
        },
    )


@login_required
@require_POST
def organization_verify(request, pk: int):
    if not request.user.is_platform_admin:
        raise PermissionDenied
    organization = get_object_or_404(Organization, pk=pk)
    try:
        services.organization_verify(organization=organization, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is verified.") % {"name": organization.name})
    return redirect("moderation")


@login_required
@require_POST
def membership_decide(request, pk: int, decision: str):
    if not request.user.is_platform_admin:
        raise PermissionDenied
    member = get_object_or_404(User, pk=pk)
    try:
        if decision == "approve":
            services.membership_approve(user=member, actor=request.user)
            messages.success(request, _("%(user)s can now act for the organization.") % {"user": member})
        else:
            services.membership_reject(user=member, actor=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("The request of %(user)s was declined.") % {"user": member})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("moderation")
