-- Adversarial statements for the classifier. Each block starts with a
-- "-- want:" line: "write" blocks must never be classified as reads,
-- "read" blocks must be reads. Blocks are separated by lines of "-- ====".
-- want: write
SELECT 1 /*!50000 ; DROP TABLE t */
-- ====
-- want: write
/*M!100100 DROP TABLE shop.orders */
-- ====
-- want: write
/*!32302 TRUNCATE */ TABLE t
-- ====
-- want: write
SELECT 1; DROP TABLE t
-- ====
-- want: write
SELECT 1;DELETE FROM t
-- ====
-- want: write
WITH x AS (SELECT id FROM t) DELETE FROM t WHERE id IN (SELECT id FROM x)
-- ====
-- want: write
WITH x AS (SELECT 1) UPDATE t SET a = 1
-- ====
-- want: write
SELECT * FROM t INTO OUTFILE '/tmp/out.csv'
-- ====
-- want: write
SELECT * FROM t INTO DUMPFILE '/tmp/out.bin'
-- ====
-- want: write
SELECT a INTO @x FROM t FOR UPDATE
-- ====
-- want: write
LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t
-- ====
-- want: write
LOAD DATA INFILE '/var/lib/mysql-files/x' REPLACE INTO TABLE t
-- ====
-- want: write
DE/**/LETE FROM t
-- ====
-- want: write
DELETE/**/FROM t
-- ====
-- want: write
dElEtE fRoM t
-- ====
-- want: write
  	
  DROP   TABLE	t
-- ====
-- want: write
DROP TABLE `select`
-- ====
-- want: write
DROP TABLE `t;SELECT 1`
-- ====
-- want: write
UPDATE t SET note = 'SELECT' WHERE id = 1
-- ====
-- want: write
INSERT INTO t VALUES ('; SELECT 1; --')
-- ====
-- want: write
CALL shop.place_order(1, 2)
-- ====
-- want: write
SET @@global.max_connections = 1
-- ====
-- want: write
SET GLOBAL read_only = ON
-- ====
-- want: write
SET PERSIST max_connections = 1
-- ====
-- want: write
set @@GLOBAL.sql_mode = ''
-- ====
-- want: write
KILL CONNECTION 1
-- ====
-- want: write
SHUTDOWN
-- ====
-- want: write
CREATE OR REPLACE TABLE t (i INT)
-- ====
-- want: write
DELETE FROM t WHERE id = 1 RETURNING *
-- ====
-- want: write
INSERT INTO t (a) VALUES (1) RETURNING id
-- ====
-- want: write
PURGE BINARY LOGS BEFORE '2030-01-01'
-- ====
-- want: write
RESET MASTER
-- ====
-- want: write
STOP ALL SLAVES
-- ====
-- want: write
CHANGE MASTER 'a' TO MASTER_HOST = 'evil'
-- ====
-- want: write
INSTALL SONAME 'ha_connect'
-- ====
-- want: write
GRANT ALL PRIVILEGES ON *.* TO 'x'@'%' WITH GRANT OPTION
-- ====
-- want: write
CREATE USER 'x'@'%' IDENTIFIED BY 'pw'
-- ====
-- want: write
RENAME TABLE a TO b
-- ====
-- want: write
ALTER TABLE t ENGINE = InnoDB
-- ====
-- want: write
LOCK TABLES t WRITE
-- ====
-- want: write
FLUSH TABLES WITH READ LOCK
-- ====
-- want: write
HANDLER t OPEN
-- ====
-- want: write
PREPARE s FROM 'DROP TABLE t'
-- ====
-- want: write
EXECUTE s
-- ====
-- want: write
DO GET_LOCK('x', 10)
-- ====
-- want: write
EXPLAIN ANALYZE DELETE FROM t
-- ====
-- want: write
ANALYZE FORMAT=JSON DELETE FROM t
-- ====
-- want: write
SELECT * FROM t LOCK IN SHARE MODE
-- ====
-- want: write
SELECT * FROM t FOR SHARE
-- ====
-- want: write
XA START 'x'
-- ====
-- want: write
BEGIN NOT ATOMIC DELETE FROM t; END
-- ====
-- want: write
DELIMITER //
-- ====
-- want: write
SELECT 'x' FROM t UNION SELECT 1 INTO OUTFILE '/tmp/y'
-- ====
-- want: write
ＳＥＬＥＣＴ 1
-- ====
-- want: write
SEL	ECT 1
-- ====
-- want: read
SELECT 'DROP TABLE t' AS x
-- ====
-- want: read
SELECT `DELETE` FROM `UPDATE`
-- ====
-- want: read
SELECT 1 /* ; DROP TABLE t */
-- ====
-- want: read
SELECT 1 -- ; DROP TABLE t
-- ====
-- want: read
SELECT 1 # ; DROP TABLE t
-- ====
-- want: read
SHOW ENGINE INNODB STATUS
-- ====
-- want: read
SHOW FULL PROCESSLIST
-- ====
-- want: read
WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT * FROM c
-- ====
-- want: read
EXPLAIN FORMAT=JSON SELECT * FROM t WHERE id = 1
-- ====
-- want: read
SELECT * FROM t FOR SYSTEM_TIME ALL WHERE id = 1
-- ====
-- want: read
select 'ünïcödé 🐬', `名前` from `表`
