"""The summary PDF as an archive file: PDF/A-2b (ISO 19005-2, level B), made and checked with pikepdf.

A qualification report is kept for the life of the equipment and beyond, so
it is archived as PDF/A: a PDF that carries everything needed to render it
the same way decades later. ReportLab lays the report out with embedded
(subset) TrueType fonts only; :func:`make_pdfa` then adds, with pikepdf (qpdf),
what PDF/A-2b asks of the file itself:

* an **output intent** ``GTS_PDFA1`` with an embedded sRGB ICC profile (the
  report's colours are DeviceRGB; the profile is Little CMS's built-in sRGB,
  made by Pillow's ``ImageCms``, so nothing is downloaded or shipped);
* **XMP metadata** identifying the file as PDF/A part 2, conformance B,
  synchronised with the document information dictionary (title, author,
  dates, producer) — ``/Trapped`` is dropped, it has no XMP counterpart here;
* a trailer ``/ID`` (qpdf writes one).

:func:`pdfa_problems` checks a file against the PDF/A-2b clauses a report
like this can break and returns one sentence per breach (empty = conforming):
the version header (≤ 1.7), no encryption, the trailer ID, the XMP
identification and its agreement with the information dictionary (§6.6), the
output intent and its ICC profile (§6.2.3: RGB, monitor or printer class,
ICC version < 5), every font embedded (§6.2.11.4), a symbolic TrueType
font without ``/Encoding`` and with one cmap or a (3,0) one (§6.2.11.6), the
``/Widths`` equal to the embedded program's advances (§6.2.11.5, read with
fontTools), no LZW (§6.1.7), no JavaScript or
forbidden actions (§6.5, §6.6.1), no embedded files (§6.8), no transfer
functions (§6.2.5), no image interpolation or alternates (§6.2.8), and
qpdf's own structural check. It is what the tests run on every summary PDF
they build. It is not a full validator: the reference one, veraPDF (Java), is
not distributed through the registries this project installs from (PyPI,
Debian, npm), so it cannot be part of ``make install``::

    from mimedi_qual.report.pdfa import make_pdfa, pdfa_problems

    make_pdfa("reports/C-0001/summary.pdf")
    assert pdfa_problems("reports/C-0001/summary.pdf") == []
"""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String

PDFA_PART = "2"
PDFA_CONFORMANCE = "B"
SRGB_IDENTIFIER = "sRGB IEC61966-2.1"
_FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/JavaScript", "/Hide",
                      "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView"}
#: information-dictionary keys and the XMP property each must agree with (ISO 19005-2 §6.6.3)
_INFO_TO_XMP = {"/Title": "dc:title", "/Author": "dc:creator", "/Subject": "dc:description",
                "/Keywords": "pdf:Keywords", "/Creator": "xmp:CreatorTool", "/Producer": "pdf:Producer",
                "/CreationDate": "xmp:CreateDate", "/ModDate": "xmp:ModifyDate"}


def srgb_icc_profile() -> bytes:
    """Little CMS's built-in sRGB profile (ICC v4, monitor class), as bytes."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_pdfa(path: str | Path) -> Path:
    """Turn the PDF at ``path`` into PDF/A-2b in place (output intent, XMP identification); return the path."""
    path = Path(path)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        icc = pdf.make_stream(srgb_icc_profile())
        icc.N = 3
        intent = Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFA1,
                            OutputConditionIdentifier=String(SRGB_IDENTIFIER), Info=String(SRGB_IDENTIFIER),
                            RegistryName=String("http://www.color.org"), DestOutputProfile=icc)
        pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])
        if "/Trapped" in pdf.docinfo:
            del pdf.docinfo["/Trapped"]
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.load_from_docinfo(pdf.docinfo)
            meta["pdfaid:part"] = PDFA_PART
            meta["pdfaid:conformance"] = PDFA_CONFORMANCE
        pdf.save(path, fix_metadata_version=False)
    return path


def _walk_resources(pdf: pikepdf.Pdf):
    """Every resource dictionary reachable from the pages (page resources and nested form XObjects)."""
    seen: set[tuple[int, int]] = set()
    pending = [page.obj.get("/Resources") for page in pdf.pages]
    while pending:
        resources = pending.pop()
        if not isinstance(resources, Dictionary):
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        yield resources
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == Name.Form:
                pending.append(xobject.get("/Resources"))


def _font_problems(font: Dictionary, name: str) -> list[str]:
    problems = []
    subtype = font.get("/Subtype")
    if subtype == Name.Type3:
        return problems
    if subtype == Name.Type0:
        for descendant in font.get("/DescendantFonts") or []:
            problems += _font_problems(descendant, name)
        return problems
    descriptor = font.get("/FontDescriptor")
    if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
        problems.append(f"font {font.get('/BaseFont', name)} is not embedded (§6.2.11.4.1)")
        return problems
    symbolic = int(descriptor.get("/Flags", 0)) & 4
    if subtype == Name.TrueType and symbolic and "/Encoding" in font:
        problems.append(f"symbolic TrueType font {font.get('/BaseFont')} has an /Encoding (§6.2.11.6)")
    if subtype == Name.TrueType and "/FontFile2" in descriptor:
        problems += _truetype_program_problems(font, descriptor.FontFile2.read_bytes(), bool(symbolic))
    return problems


def _truetype_program_problems(font: Dictionary, program: bytes, symbolic: bool) -> list[str]:
    """The embedded TrueType program against its font dictionary: cmap (§6.2.11.6) and widths (§6.2.11.5)."""
    import io

    from fontTools.ttLib import TTFont, TTLibError

    name = font.get("/BaseFont")
    try:
        program_font = TTFont(io.BytesIO(program))
        tables = program_font["cmap"].tables
        advances = program_font["hmtx"].metrics
        units_per_em = program_font["head"].unitsPerEm
    except (TTLibError, KeyError, AssertionError) as exc:
        return [f"font {name}: embedded program unreadable ({exc})"]
    problems = []
    if symbolic and len(tables) != 1 and not any((t.platformID, t.platEncID) == (3, 0) for t in tables):
        problems.append(f"symbolic TrueType font {name}: cmap has several encodings and no (3,0) (§6.2.11.6)")
    cmap = tables[0].cmap if tables else {}
    first = int(font.get("/FirstChar", 0))
    for offset, width in enumerate(font.get("/Widths") or []):
        glyph = cmap.get(first + offset)
        if glyph is None or glyph not in advances:
            continue
        program_width = advances[glyph][0] * 1000 / units_per_em
        if abs(program_width - float(width)) > 1:
            problems.append(f"font {name}: code {first + offset} is {float(width):g} wide in /Widths but "
                            f"{program_width:g} in the font program (§6.2.11.5)")
            break
    return problems


def _icc_problems(profile: pikepdf.Stream) -> list[str]:
    data = profile.read_bytes()
    if len(data) < 128:
        return ["output intent ICC profile is truncated"]
    problems = []
    if data[12:16] not in (b"mntr", b"prtr"):
        problems.append(f"output intent ICC profile class {data[12:16]!r} is not mntr/prtr (§6.2.3)")
    if data[16:20] != b"RGB ":
        problems.append(f"output intent ICC profile colour space {data[16:20]!r} is not RGB (the report is RGB)")
    if data[8] >= 5:
        problems.append(f"output intent ICC profile version {data[8]} is not below 5 (§6.2.3)")
    if int(profile.get("/N", 0)) != 3:
        problems.append("output intent ICC profile /N is not 3 for an RGB profile")
    return problems


def pdfa_problems(path: str | Path) -> list[str]:
    """The PDF/A-2b clauses (listed in the module docstring) the file at ``path`` breaks; empty when none."""
    path = Path(path)
    header = path.read_bytes()[:16]
    match = re.match(rb"%PDF-1\.([0-7])\s", header)
    problems = [] if match else [f"header {header[:8]!r} is not %PDF-1.0 … %PDF-1.7 (§6.1.2)"]
    with pikepdf.open(path) as pdf:
        problems += [f"qpdf: {p}" for p in pdf.check_pdf_syntax()]
        if pdf.is_encrypted:
            problems.append("the file is encrypted (§6.1.3)")
        if "/ID" not in pdf.trailer:
            problems.append("the trailer has no /ID (§6.1.3)")
        meta = pdf.open_metadata()
        if meta.pdfa_status != PDFA_PART + PDFA_CONFORMANCE:
            problems.append(f"XMP does not identify the file as PDF/A-2B (pdfaid: {meta.pdfa_status or 'none'}) (§6.6.4)")
        for key, prop in _INFO_TO_XMP.items():
            if key in pdf.docinfo and str(pdf.docinfo[key]) and prop not in meta:
                problems.append(f"information dictionary {key} has no XMP {prop} (§6.6.3)")
        if "/Title" in pdf.docinfo and "dc:title" in meta and str(meta["dc:title"]) != str(pdf.docinfo.Title):
            problems.append("information dictionary /Title differs from XMP dc:title (§6.6.3)")
        intents = [i for i in pdf.Root.get("/OutputIntents") or [] if i.get("/S") == Name.GTS_PDFA1]
        if len(intents) != 1 or "/DestOutputProfile" not in intents[0]:
            problems.append("no single GTS_PDFA1 output intent with an ICC profile (§6.2.3)")
        else:
            problems += _icc_problems(intents[0].DestOutputProfile)
        for key in ("/AA", "/OpenAction"):
            if key in pdf.Root and pdf.Root[key].get("/S") in _FORBIDDEN_ACTIONS | {None}:
                problems.append(f"the catalog has a {key} action (§6.5, §6.6.1)")
        names = pdf.Root.get("/Names") or {}
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                problems.append(f"the name tree holds {key} (§6.6.1, §6.8)")
        fonts_seen: set[tuple[int, int]] = set()
        for resources in _walk_resources(pdf):
            for name, font in (resources.get("/Font") or {}).items():
                if font.is_indirect and font.objgen in fonts_seen:
                    continue
                if font.is_indirect:
                    fonts_seen.add(font.objgen)
                problems += _font_problems(font, name)
            for name, state in (resources.get("/ExtGState") or {}).items():
                if "/TR" in state or state.get("/TR2", Name.Default) != Name.Default:
                    problems.append(f"graphics state {name} has a transfer function (§6.2.5)")
            for name, xobject in (resources.get("/XObject") or {}).items():
                if xobject.get("/Subtype") == Name.Image:
                    if bool(xobject.get("/Interpolate", False)):
                        problems.append(f"image {name} asks for interpolation (§6.2.8)")
                    if "/Alternates" in xobject or "/OPI" in xobject:
                        problems.append(f"image {name} has /Alternates or /OPI (§6.2.8)")
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                filters = obj.get("/Filter")
                filters = [filters] if isinstance(filters, Name) else list(filters or [])
                if Name.LZWDecode in filters:
                    problems.append(f"object {obj.objgen} uses LZWDecode (§6.1.7.2)")
    return sorted(set(problems))


__all__ = ["PDFA_CONFORMANCE", "PDFA_PART", "make_pdfa", "pdfa_problems", "srgb_icc_profile"]
