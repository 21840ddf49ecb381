-- Accounts of the sandbox primary (they replicate to the replica). Applied by
-- scripts/sandbox.sh start while any of them is missing, then
-- grants-mariadb.sql adds the mydba accounts. Every statement is idempotent.
-- Passwords are public on purpose: the servers listen on 127.0.0.1 only and
-- hold generated data.

-- root: password "sandbox" over the socket (localhost) and TCP (127.0.0.1).
ALTER USER 'root'@'localhost' IDENTIFIED BY 'sandbox';
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY 'sandbox';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;

-- The replica's replication account: REPLICATION SLAVE and nothing else.
CREATE OR REPLACE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl-sandbox';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';

-- The account sysbench's shop workload runs as: DML and routines on shop.
CREATE OR REPLACE USER 'shop_app'@'127.0.0.1' IDENTIFIED BY 'shop-app';
GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON shop.* TO 'shop_app'@'127.0.0.1';
