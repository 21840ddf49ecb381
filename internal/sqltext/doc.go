// Package sqltext is mydba's SQL understanding, built on a real parser
// (github.com/pingcap/tidb/pkg/parser): splitting scripts into statements,
// and classifying each statement by what it can do to a server. It never
// touches a connection.
package sqltext
