"""The UI's routes: each one opens what it needs through the library, calls it, and renders a template.

Pages read (GET) and actions write (POST, behind the CSRF check of :mod:`.security`); an action answers
with a redirect to the page that shows its result (or, for htmx requests, with the fragment to swap in).
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from chain_of_custody.errors import CustodyError

from ..case import Case
from ..config import Settings
from ..errors import InvalidInput
from . import assets, jobs, pages, state
from .explain import explain_error
from .replay import Replays
from .security import Access
from .upload import receive

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = {"en": "English", "fr": "Français"}


@dataclass
class Context:
    """What every route shares: the settings, the access, the background jobs and the replays."""

    settings: Settings
    access: Access
    replay_origin: str
    jobs: jobs.Jobs
    replays: Replays
    templates: jinja2.Environment


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.filters["short"] = lambda digest: pages.short(str(digest or ""))
    env.filters["size"] = lambda n: f"{int(n):,} bytes" if n is not None else ""
    env.filters["q"] = lambda text: quote(str(text), safe="")
    return env


def create_app(ctx: Context) -> Starlette:
    def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        body = ctx.templates.get_template(template).render(
            csrf=request.scope.get("state", {}).get("csrf", ""),
            path=request.url.path,
            replay_origin=ctx.replay_origin,
            missing_assets=assets.missing(),
            **values,
        )
        return HTMLResponse(body, status_code=status)

    def problem(request: Request, exc: Exception, status: int = 400) -> HTMLResponse:
        return render(request, "problem.html", status=status, message=explain_error(str(exc)))

    def back(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    async def form(request: Request) -> dict[str, str]:
        data = await request.form()
        return {k: v for k, v in data.items() if isinstance(v, str)}

    # -- cases -----------------------------------------------------------------------------------
    def cases_page(request: Request) -> Response:
        return render(request, "cases.html", cases=pages.case_rows(ctx.settings), title="Cases")

    async def create_case(request: Request) -> Response:
        data = await form(request)
        try:
            await run_in_threadpool(pages.create_case, ctx.settings, data)
        except CustodyError as exc:
            return render(
                request,
                "cases.html",
                status=400,
                cases=pages.case_rows(ctx.settings),
                title="Cases",
                error=explain_error(str(exc)),
                values=data,
            )
        return back(f"/cases/{quote(data['case_id'])}")

    def case_page(request: Request) -> Response:
        case_id = request.path_params["case_id"]
        try:
            view = pages.case_view(ctx.settings, case_id)
        except CustodyError as exc:
            return problem(request, exc, 404)
        notices = {k: v for k, v in request.query_params.items() if k in ("added", "recorded", "stamped")}
        return render(request, "case.html", title=f"Case {case_id}", case=view, notices=notices)

    async def set_blur(request: Request) -> Response:
        case_id = request.path_params["case_id"]
        data = await form(request)
        state.set_blur(ctx.settings, case_id, data.get("blur") == "on")
        return back(f"/cases/{quote(case_id)}#captures")

    async def upload_files(request: Request) -> Response:
        case_id = request.path_params["case_id"]
        try:
            with Case.open(ctx.settings, case_id) as case:
                folder = case.path / "artefacts" / ".incoming"
            with ExitStack() as stack:
                received = await receive(request.headers.get("content-type", ""), request.stream(), folder, stack)
                try:
                    if not received.files:
                        raise InvalidInput("choose at least one file to add")
                    added = await run_in_threadpool(
                        pages.add_uploaded,
                        ctx.settings,
                        case_id,
                        received.files,
                        received.fields.get("source"),
                        received.fields.get("investigator"),
                    )
                finally:
                    for item in received.files:
                        item.path.unlink(missing_ok=True)
        except CustodyError as exc:
            return problem(request, exc)
        return back(f"/cases/{quote(case_id)}?added={added}#files")

    async def record_handover(request: Request) -> Response:
        case_id = request.path_params["case_id"]
        data = await form(request)
        try:
            seq = await run_in_threadpool(pages.record_action, ctx.settings, case_id, data)
        except CustodyError as exc:
            return problem(request, exc)
        return back(f"/cases/{quote(case_id)}?recorded={seq}#timeline")

    async def timestamp_case(request: Request) -> Response:
        case_id = request.path_params["case_id"]
        data = await form(request)
        try:
            stamps = await run_in_threadpool(pages.stamp, ctx.settings, case_id, data.get("investigator"))
        except CustodyError as exc:
            return problem(request, exc)
        return back(f"/cases/{quote(case_id)}?stamped={stamps}")

    # -- captures --------------------------------------------------------------------------------
    async def start_capture(request: Request) -> Response:
        case_id = request.path_params["case_id"]
        data = await form(request)
        try:
            urls, options, allow_private = pages.capture_request(data)
            account = pages.profile_request(data)
            Case.open(ctx.settings, case_id).close()
        except CustodyError as exc:
            return problem(request, exc)
        acting = (data.get("investigator") or "").strip() or None
        if account is None:
            work = jobs.capture_work(ctx.settings, case_id, urls, options, allow_private, acting)
        else:
            work = jobs.profile_work(ctx.settings, case_id, urls, options, allow_private, acting, account)
        job = ctx.jobs.start("capture", case_id, urls, work)
        return back(f"/jobs/{job.id}")

    def account_page(request: Request) -> Response:
        case_id, account = request.path_params["case_id"], request.path_params["account"]
        try:
            found = pages.account_view(ctx.settings, case_id, account)
        except CustodyError as exc:
            return problem(request, exc, 404)
        return render(request, "account.html", title=f"Account {found['account']}", case_id=case_id, account=found)

    # -- personas --------------------------------------------------------------------------------
    def personas_page(request: Request) -> Response:
        return render(request, "personas.html", title="Personas", personas=pages.persona_rows(ctx.settings))

    def capture_page(request: Request) -> Response:
        case_id, capture_id = request.path_params["case_id"], request.path_params["capture_id"]
        try:
            view = pages.capture_view(ctx.settings, case_id, capture_id)
        except CustodyError as exc:
            return problem(request, exc, 404)
        replay, replay_problem = None, None
        try:
            ticket = ctx.replays.ticket(ctx.settings, case_id, capture_id, view["title"])
            replay = f"{ctx.replay_origin}/embed/{ticket}"
        except Exception as exc:  # noqa: BLE001  the rest of the page stands without the replay
            from .replay import replay_problem as say

            replay_problem = say(exc)
        return render(
            request, "capture.html", title=view["title"], capture=view, replay=replay, replay_problem=replay_problem
        )

    def artefact_file(request: Request) -> Response:
        case_id, digest = request.path_params["case_id"], "blake3:" + request.path_params["hex"]
        try:
            found = pages.artefact(ctx.settings, case_id, digest)
        except CustodyError as exc:
            return PlainTextResponse(str(exc), status_code=404)
        if found is None:
            return PlainTextResponse("no such artefact in this case", status_code=404)
        path, mime, name = found
        inline = mime in pages.INLINE_IMAGES and request.query_params.get("download") != "1"
        # Anything else a page captured (HTML, SVG, scripts) must never render in the UI's origin.
        response = FileResponse(
            path,
            media_type=mime if inline else "application/octet-stream",
            filename=None if inline else name,
            content_disposition_type="inline" if inline else "attachment",
        )
        response.headers["content-security-policy"] = "sandbox; default-src 'none'; img-src 'self'"
        return response

    # -- jobs ------------------------------------------------------------------------------------
    def job_page(request: Request) -> Response:
        job = ctx.jobs.get(request.path_params["job_id"])
        if job is None:
            return render(request, "problem.html", status=404, message="no such job in this run of the UI")
        return render(request, "job.html", title=f"{job.kind.capitalize()} into {job.case_id}", job=job.snapshot())

    def job_events(request: Request) -> Response:
        job = ctx.jobs.get(request.path_params["job_id"])
        if job is None:
            return PlainTextResponse("no such job", status_code=404)
        fragment = ctx.templates.get_template("job_progress.html")
        return StreamingResponse(
            jobs.stream(job, lambda snapshot: fragment.render(job=snapshot, csrf="")),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    def cancel_job(request: Request) -> Response:
        job = ctx.jobs.get(request.path_params["job_id"])
        if job is None:
            return PlainTextResponse("no such job", status_code=404)
        job.update(lambda j: setattr(j, "cancelled", True))
        return back(f"/jobs/{job.id}")

    # -- verify ----------------------------------------------------------------------------------
    def verify_page(request: Request) -> Response:
        return render(request, "verify.html", title="Verify", cases=Case.list_ids(ctx.settings), report=None)

    async def verify_action(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        try:
            if content_type.startswith("multipart/form-data"):
                with tempfile.TemporaryDirectory(prefix="evidence-kit-verify-") as temp, ExitStack() as stack:
                    received = await receive(content_type, request.stream(), Path(temp), stack)
                    if not received.files:
                        raise InvalidInput("choose a bundle zip to verify")
                    item = received.files[0]
                    named = Path(temp) / "bundle.zip"  # verify reads a bundle zip by its suffix
                    item.path.rename(named)
                    report = await run_in_threadpool(pages.verify_target, ctx.settings, "bundle", str(named))
                    report["target"] = f"{item.name} (uploaded, SHA-256 {item.sha256})"
            else:
                data = await form(request)
                report = await run_in_threadpool(
                    pages.verify_target, ctx.settings, data.get("kind", "case"), data.get("target", "")
                )
        except CustodyError as exc:
            return render(
                request,
                "verify.html",
                status=400,
                title="Verify",
                cases=Case.list_ids(ctx.settings),
                report=None,
                error=explain_error(str(exc)),
            )
        template = "verify_report.html" if request.headers.get("hx-request") else "verify.html"
        return render(request, template, title="Verify", cases=Case.list_ids(ctx.settings), report=report)

    # -- export ----------------------------------------------------------------------------------
    def export_page(request: Request) -> Response:
        case_id = request.path_params["case_id"]
        try:
            Case.open(ctx.settings, case_id).close()
        except CustodyError as exc:
            return problem(request, exc, 404)
        return render(
            request,
            "export.html",
            title=f"Export {case_id}",
            case_id=case_id,
            fields=pages.mla_fields(ctx.settings, case_id),
            languages=LANGUAGES,
            investigators=pages.investigators(ctx.settings, case_id),
        )

    async def start_export(request: Request) -> Response:
        case_id = request.path_params["case_id"]
        data = await form(request)
        try:
            lang = data.get("lang", "en")
            if lang not in LANGUAGES:
                raise InvalidInput(f"the report's language must be one of {', '.join(LANGUAGES)}")
            mla_form = pages.save_mla(ctx.settings, case_id, data) if data.get("with_mla") == "on" else None
        except CustodyError as exc:
            return problem(request, exc)
        job = ctx.jobs.start(
            "export",
            case_id,
            ["bundle"],
            pages.export_work(ctx.settings, case_id, lang, mla_form, data.get("investigator")),
        )
        return back(f"/jobs/{job.id}")

    def bundle_file(request: Request) -> Response:
        case_id, name = request.path_params["case_id"], request.path_params["name"]
        try:
            folder = state.bundles_folder(ctx.settings, case_id, create=False)
        except CustodyError:
            return PlainTextResponse("no such bundle", status_code=404)
        path = folder / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return PlainTextResponse("no such bundle", status_code=404)
        return FileResponse(path, media_type="application/zip", filename=name)

    # -- search and links ------------------------------------------------------------------------
    def search_page(request: Request) -> Response:
        params = request.query_params
        try:
            found = pages.search(ctx.settings, params.get("q", ""), params.get("case") or None, params.get("similar"))
        except CustodyError as exc:
            found = {"error": explain_error(str(exc))}
        return render(
            request, "search.html", title="Search", found=found, cases=Case.list_ids(ctx.settings), params=params
        )

    def links_page(request: Request) -> Response:
        chart = pages.link_chart(ctx.settings, request.query_params.get("case") or None)
        return render(
            request,
            "links.html",
            title="Links",
            chart=chart,
            cases=Case.list_ids(ctx.settings),
            chosen=request.query_params.get("case") or "",
        )

    # -- files -----------------------------------------------------------------------------------
    def static_file(request: Request) -> Response:
        name = request.path_params["name"]
        path = STATIC / name
        if name not in ("app.css", "app.js") or not path.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path, media_type="text/css" if name.endswith(".css") else "text/javascript")

    def asset_file(request: Request) -> Response:
        name = request.path_params["name"]
        path = assets.path_of(name) if name in ("htmx.min.js", "axe.min.js") else None
        if path is None:
            return PlainTextResponse(f"{name} is not installed: {assets.SETUP_HINT}", status_code=404)
        return FileResponse(path, media_type="text/javascript")

    routes = [
        Route("/", cases_page),
        Route("/cases", create_case, methods=["POST"]),
        Route("/cases/{case_id:str}", case_page),
        Route("/cases/{case_id:str}/blur", set_blur, methods=["POST"]),
        Route("/cases/{case_id:str}/files", upload_files, methods=["POST"]),
        Route("/cases/{case_id:str}/custody", record_handover, methods=["POST"]),
        Route("/cases/{case_id:str}/captures", start_capture, methods=["POST"]),
        Route("/cases/{case_id:str}/timestamp", timestamp_case, methods=["POST"]),
        Route("/cases/{case_id:str}/captures/{capture_id:str}", capture_page),
        Route("/cases/{case_id:str}/artefacts/{hex:str}", artefact_file),
        Route("/cases/{case_id:str}/accounts/{account:path}", account_page),  # an id may be a URL
        Route("/cases/{case_id:str}/export", export_page),
        Route("/cases/{case_id:str}/export", start_export, methods=["POST"]),
        Route("/cases/{case_id:str}/bundles/{name:str}", bundle_file),
        Route("/jobs/{job_id:str}", job_page),
        Route("/jobs/{job_id:str}/events", job_events),
        Route("/jobs/{job_id:str}/cancel", cancel_job, methods=["POST"]),
        Route("/verify", verify_page),
        Route("/verify", verify_action, methods=["POST"]),
        Route("/search", search_page),
        Route("/links", links_page),
        Route("/personas", personas_page),
        Route("/static/{name:str}", static_file),
        Route("/assets/{name:str}", asset_file),
    ]
    return Starlette(routes=routes)


__all__ = ["Context", "create_app", "environment"]
