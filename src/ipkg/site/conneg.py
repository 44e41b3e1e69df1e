"""Content negotiation: serving the site at the IRIs themselves.

The site root stands for ``https://w3id.org/ipkg/``. An IRI without extension is answered with
the page (HTML, the default), the Turtle file or the JSON-LD file beside it, chosen by the
request's ``Accept`` header:

=============================================  ======================  ==========================
request path (relative to the root)             ``Accept`` contains     file
=============================================  ======================  ==========================
``id/<kind>/<slug>``                            ``application/ld+json`` ``id/<kind>/<slug>.jsonld``
                                                ``text/turtle``         ``id/<kind>/<slug>.ttl``
                                                anything else           ``id/<kind>/<slug>.html``
``ontology/class/<Term>``, ``…/property/<t>``   (the same three rules)  ``.jsonld`` / ``.ttl`` / ``.html``
``ontology`` (``…/ontology#Term``: the browser   ``application/ld+json`` ``ontology/index.jsonld``
never sends the fragment)                       ``text/turtle``         ``ontology/index.ttl``
                                                anything else           ``ontology/index.html``
=============================================  ======================  ==========================

JSON-LD is tested first, then Turtle; quality values (``q=``) are not weighed, which is what
the w3id.org examples do too. :func:`htaccess` writes these rules for Apache ``mod_rewrite``:
with ``target=None`` as internal rewrites for the host that serves the site (the ``.htaccess``
``ipkg build`` puts into the output), with ``target="https://host/path/"`` as ``303 See Other``
redirects for the ipkg folder of the w3id.org repository.
"""

from __future__ import annotations

#: request path (regex, without the extension) → the same with an extension
RESOURCE = r"^((?:id/[a-z0-9-]+|ontology/(?:class|property))/[A-Za-z0-9][A-Za-z0-9_-]*)$"
ONTOLOGY = r"^ontology/?$"

#: (Accept regex or None for the default, extension)
NEGOTIATED = ((r"application/ld\+json", "jsonld"), (r"text/turtle", "ttl"), (None, "html"))

MEDIA_TYPES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "trig": "application/trig",
}


def htaccess(target: str | None = None) -> str:
    """The Apache rules (see the module docstring). ``target``: redirect there (w3id) instead."""
    flags = "[R=303,L]" if target else "[L]"
    prefix = target or ""
    lines = [
        "# Content negotiation for the ipkg site (written by 'ipkg build'; see ipkg.site.conneg).",
        "# The folder this file is in stands for https://w3id.org/ipkg/.",
    ]
    if not target:
        lines += [
            "Options -MultiViews",
            "DirectoryIndex index.html",
            *(f"AddType {media} .{ext}" for ext, media in sorted(MEDIA_TYPES.items())),
            "AddCharset utf-8 .html .ttl .jsonld .nt .trig .js .css",
        ]
    lines += [
        "<IfModule mod_headers.c>",
        "  Header append Vary Accept",
        "</IfModule>",
        "RewriteEngine On",
    ]
    if not target:
        lines.append("# Served through an Alias? Add: RewriteBase /the/url/path/of/this/folder/")
    for accept, ext in NEGOTIATED:
        if accept:
            lines.append(f"RewriteCond %{{HTTP_ACCEPT}} {accept} [NC]")
        lines.append(f"RewriteRule {RESOURCE} {prefix}$1.{ext} {flags}")
    for accept, ext in NEGOTIATED:
        if accept:
            lines.append(f"RewriteCond %{{HTTP_ACCEPT}} {accept} [NC]")
        lines.append(f"RewriteRule {ONTOLOGY} {prefix}ontology/index.{ext} {flags}")
    return "\n".join(lines) + "\n"
