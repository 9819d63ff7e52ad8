-- Household search walks an index in key order and stops at the page size (the head's name, then the
-- address, starting with the query; then a word of either): one index per key, with the id as the
-- tie-break of the order, replaces the plain key indexes.
CREATE INDEX households_head_key_id ON households (head_key, id);
CREATE INDEX households_address_key_id ON households (address_key, id);
DROP INDEX households_head_key;
DROP INDEX households_address_key;
