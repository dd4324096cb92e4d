CREATE FUNCTION f() RETURNS int LANGUAGE sql SET statement_timeout = 10 AS 'select 1';
SELECT set_config('statement_timeout','0',false);
