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

KNOWN_DEFECTS = []
