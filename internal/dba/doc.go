// Package dba is mydba's shared vocabulary: server flavours and versions,
// connection targets and environments, findings, and the error kinds every
// layer maps to. It imports nothing from mydba and touches no connection.
package dba
