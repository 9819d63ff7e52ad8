-- Which partner agency a partner account works for: the id of a partner list in
-- policies/exports/partners.toml (`bhxh`, `school`, `electricity`, `vbsp`, …). Required for the partner
-- role (checked by the store, since existing rows have none: such an account sees no list until an
-- administrator sets it); NULL for every other role.
ALTER TABLE users ADD COLUMN agency TEXT;
