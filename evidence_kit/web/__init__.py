"""The local web interface (``evidence-kit ui``): server-rendered pages over the same library as the CLI.

Nothing here decides a rule of evidence: every page calls the functions the CLI calls (:class:`Case`,
``capture_urls``, ``verification``, ``export_case``, ``overview``, ``metadata.search``) and shows what they
return. The modules: ``security`` (access token, session, CSRF, Host and fetch-site checks, headers),
``server`` (the two loopback servers), ``app`` (routes), ``jobs`` (captures and exports in the background,
their progress as server-sent events), ``replay`` (ReplayWeb.page on its own origin), ``assets`` (the npm
files served locally), ``state`` (per-case UI preferences and saved MLA fields, kept outside the case).
"""
