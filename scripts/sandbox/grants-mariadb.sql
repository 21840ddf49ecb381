-- The least-privilege account mydba needs on MariaDB 10.5+ (read-only).
-- This file is the single source of these grants: the README and the docs
-- quote it, and scripts/sandbox.sh applies it to the sandbox primary.
-- The password here is the sandbox's; choose your own on real servers.
--
--   SELECT            read tables, information_schema, performance_schema, sys
--   PROCESS           SHOW PROCESSLIST of all users, SHOW ENGINE INNODB STATUS,
--                     information_schema.INNODB_* tables
--   SHOW DATABASES    list every schema, not only those with other grants
--   SHOW VIEW         SHOW CREATE VIEW / view definitions for the explorer
--   BINLOG MONITOR    SHOW BINARY LOGS, SHOW MASTER STATUS, binlog positions
--   SLAVE MONITOR     SHOW SLAVE STATUS / SHOW ALL SLAVES STATUS
--
-- Nothing else: no SUPER, no CONNECTION ADMIN (so no KILL of other users'
-- queries), no write privileges. Writes go through an account the user
-- chooses, behind mydba's safety gate.
--
-- CREATE OR REPLACE drops any extra grants a previous run or a test added,
-- so the account always has exactly these privileges.

CREATE OR REPLACE USER 'mydba'@'127.0.0.1' IDENTIFIED BY 'mydba-sandbox';
GRANT SELECT, PROCESS, SHOW DATABASES, SHOW VIEW, BINLOG MONITOR, SLAVE MONITOR
  ON *.* TO 'mydba'@'127.0.0.1';

CREATE OR REPLACE USER 'mydba'@'localhost' IDENTIFIED BY 'mydba-sandbox';
GRANT SELECT, PROCESS, SHOW DATABASES, SHOW VIEW, BINLOG MONITOR, SLAVE MONITOR
  ON *.* TO 'mydba'@'localhost';
