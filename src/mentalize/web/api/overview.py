"""``GET /api/v1/patients/{id}/overview/``: the patient overview's numbers and alerts as JSON,
with the same scoping and audit entries as the overview page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from mentalize.web.api.auth import token_required
from mentalize.web.api.views import _scoped
from mentalize.web.records import overview as service


@token_required
@_scoped
@require_GET
def patient_overview(request: HttpRequest, pk: int) -> HttpResponse:
    _patient, found = service.build(request.user, pk)
    return JsonResponse(service.to_dict(found))
