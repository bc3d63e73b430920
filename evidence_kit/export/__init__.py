"""The evidence bundle: BagIt bag, WACZ per capture, CASE/UCO JSON-LD, report, MLA annexes."""
