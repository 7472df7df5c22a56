"""Server defects the contract suite has found and that are not fixed yet.

Each entry names the test that provokes the defect, the request and status, and a regular
expression over the violation text (`where: message`, as validate.py prints it). A response
whose every violation matches an entry is counted as a known defect, not as a failure, and
printed as KNOWN; any other violation of that response still fails. The list is strict: an
entry whose test was recorded but whose violation no longer appears fails the suite, so an
entry is removed in the same change that fixes the server.

Do not add an entry to make a failure go away: fix the server or the contract. An entry is
for a defect already reported, with its reason stated here.
"""

KNOWN_DEFECTS = [
    {
        "id": "invalid-host-reflected-into-urls",
        "test": "test_hostile_headers_never_5xx",
        "method": "GET",
        "path": r"^/v1/news$",
        "status": 200,
        "violation": r"^/data/0(/url: '[^']*' is not a 'uri'|: Unevaluated properties are not allowed)",
        "why": "A request with `Host: [::1` (not a valid host) is answered 200 with item "
               "`url`s such as `http://[::1/v1/news/...`, which are not URIs; API.md: `url` is "
               "always the item's own absolute API address. RFC 9112 section 3.2 asks for a "
               "400 to a Host with an invalid value.",
    },
    {
        "id": "list-403-without-www-authenticate",
        "test": "test_drafts_need_the_collections_write_scope",
        "method": "GET",
        "path": r"^/v1/(publications|helplines|support-rates|resources)$",
        "status": 403,
        "violation": r"^header WWW-Authenticate: required, but absent$",
        "why": "`status` or `include` on a list with a token that may not write the collection "
               "is a 403 without `WWW-Authenticate: Bearer ... error=\"insufficient_scope\"`, "
               "which every other 403 carries and openapi.yaml promises for every 403.",
    },
]
