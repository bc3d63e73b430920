"""The last look before a bundle leaves: no secret value of any persona the case used is in it.

Captures replace secrets as they are written (``capture/redaction.py``); this is the second lock. Every
file of the finished bag is read (in its plain bytes and decoded: gzipped WARCs, WACZ and other zips,
PDF streams, quoted-printable MHTML) for every value the case's personas hold or their captures saw
(``personas/used.py``). One found: the export is refused (exit 2) naming the file, and nothing is
written. The zip is the same files compressed, so checking the folder checks what the zip holds.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidInput
from ..personas import scan, used
from .job import ExportJob


def check(job: ExportJob, folder: Path) -> None:
    """Refuse (:class:`InvalidInput`) a bag under ``folder`` holding a persona's secret; warn when a
    persona's secrets are not known on this machine."""
    records = [e.record for e in job.contents.exhibits if e.record]
    secrets = used.secrets_for(job.contents.case.settings, records, job.options.persona_passphrase)
    for name, why in secrets.unchecked.items():
        if "encrypted" in why or "passphrase" in why:
            raise InvalidInput(
                f"the case was captured with persona {name}, whose secrets must be checked before export: {why}"
            )
        job.warnings.append(
            f"persona {name} was used in this case but {why}: its secret values could not be looked for in the "
            "bundle (they were redacted as each capture was written)"
        )
    hit = scan.find_in_folder(folder, secrets.wanted)
    if hit is not None:
        raise InvalidInput(
            f"{hit.file} holds a secret value ({hit.name}): the export is refused and nothing was written"
        )
