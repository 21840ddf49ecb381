package parse

// SlowAttr names a numeric attribute of a slow-log event. Every attribute
// the MySQL, MariaDB and Percona Server formats write as "Name: value" has
// one; booleans (Full_scan: Yes) are 1 or 0. Where servers spell the same
// thing differently (MySQL's Created_tmp_tables and MariaDB's Tmp_tables,
// Percona's Disk_tmp_table and Tmp_table_on_disk) they share one.
type SlowAttr uint8

// Attributes, in the order reports list them.
const (
	SlowQueryTime SlowAttr = iota // seconds
	SlowLockTime                  // seconds
	SlowRowsSent
	SlowRowsExamined
	SlowRowsAffected
	SlowRowsRead // Percona 5.x
	SlowBytesSent
	SlowBytesReceived // MySQL log_slow_extra
	SlowTmpTables
	SlowTmpDiskTables
	SlowTmpTableSizes
	SlowMergePasses
	SlowFullScan
	SlowFullJoin
	SlowTmpTable
	SlowTmpTableOnDisk
	SlowFilesort
	SlowFilesortOnDisk
	SlowPriorityQueue
	SlowQCHit
	SlowErrno
	SlowKilled
	SlowInnoDBIOReadOps // Percona log_slow_verbosity=innodb
	SlowInnoDBIOReadBytes
	SlowInnoDBIOReadWait
	SlowInnoDBRecLockWait
	SlowInnoDBQueueWait
	SlowInnoDBPagesDistinct
	SlowPagesAccessed // MariaDB log_slow_verbosity=engine
	SlowPagesRead
	SlowPagesPrefetched
	SlowPagesUpdated
	SlowOldRowsRead
	SlowPagesReadTime // milliseconds
	SlowEngineTime    // milliseconds
	SlowReadFirst     // MySQL log_slow_extra handler counters
	SlowReadLast
	SlowReadKey
	SlowReadNext
	SlowReadPrev
	SlowReadRnd
	SlowReadRndNext
	SlowSortRangeCount
	SlowSortRows
	SlowSortScanCount

	// NumSlowAttrs is the number of attributes.
	NumSlowAttrs
)

// String is the attribute's stable snake_case name ("rows_examined"), used
// in JSON and filters.
func (a SlowAttr) String() string {
	switch a {
	case SlowQueryTime:
		return "query_time"
	case SlowLockTime:
		return "lock_time"
	case SlowRowsSent:
		return "rows_sent"
	case SlowRowsExamined:
		return "rows_examined"
	case SlowRowsAffected:
		return "rows_affected"
	case SlowRowsRead:
		return "rows_read"
	case SlowBytesSent:
		return "bytes_sent"
	case SlowBytesReceived:
		return "bytes_received"
	case SlowTmpTables:
		return "tmp_tables"
	case SlowTmpDiskTables:
		return "tmp_disk_tables"
	case SlowTmpTableSizes:
		return "tmp_table_sizes"
	case SlowMergePasses:
		return "merge_passes"
	case SlowFullScan:
		return "full_scan"
	case SlowFullJoin:
		return "full_join"
	case SlowTmpTable:
		return "tmp_table"
	case SlowTmpTableOnDisk:
		return "tmp_table_on_disk"
	case SlowFilesort:
		return "filesort"
	case SlowFilesortOnDisk:
		return "filesort_on_disk"
	case SlowPriorityQueue:
		return "priority_queue"
	case SlowQCHit:
		return "qc_hit"
	case SlowErrno:
		return "errno"
	case SlowKilled:
		return "killed"
	case SlowInnoDBIOReadOps:
		return "innodb_io_r_ops"
	case SlowInnoDBIOReadBytes:
		return "innodb_io_r_bytes"
	case SlowInnoDBIOReadWait:
		return "innodb_io_r_wait"
	case SlowInnoDBRecLockWait:
		return "innodb_rec_lock_wait"
	case SlowInnoDBQueueWait:
		return "innodb_queue_wait"
	case SlowInnoDBPagesDistinct:
		return "innodb_pages_distinct"
	case SlowPagesAccessed:
		return "pages_accessed"
	case SlowPagesRead:
		return "pages_read"
	case SlowPagesPrefetched:
		return "pages_prefetched"
	case SlowPagesUpdated:
		return "pages_updated"
	case SlowOldRowsRead:
		return "old_rows_read"
	case SlowPagesReadTime:
		return "pages_read_time"
	case SlowEngineTime:
		return "engine_time"
	case SlowReadFirst:
		return "read_first"
	case SlowReadLast:
		return "read_last"
	case SlowReadKey:
		return "read_key"
	case SlowReadNext:
		return "read_next"
	case SlowReadPrev:
		return "read_prev"
	case SlowReadRnd:
		return "read_rnd"
	case SlowReadRndNext:
		return "read_rnd_next"
	case SlowSortRangeCount:
		return "sort_range_count"
	case SlowSortRows:
		return "sort_rows"
	case SlowSortScanCount:
		return "sort_scan_count"
	}
	return "unknown"
}

// IsBool reports whether the log writes the attribute as Yes/No.
func (a SlowAttr) IsBool() bool {
	switch a {
	case SlowFullScan, SlowFullJoin, SlowTmpTable, SlowTmpTableOnDisk, SlowFilesort,
		SlowFilesortOnDisk, SlowPriorityQueue, SlowQCHit:
		return true
	}
	return false
}

// SlowAttrByName finds an attribute by its snake_case name.
func SlowAttrByName(name string) (SlowAttr, bool) {
	for a := SlowAttr(0); a < NumSlowAttrs; a++ {
		if a.String() == name {
			return a, true
		}
	}
	return 0, false
}

// slowAttrOf maps a key as the server writes it to its attribute. A switch
// on string(key) compiles to comparisons without converting key.
func slowAttrOf(key []byte) (SlowAttr, bool) {
	switch string(key) {
	case "Query_time":
		return SlowQueryTime, true
	case "Lock_time":
		return SlowLockTime, true
	case "Rows_sent":
		return SlowRowsSent, true
	case "Rows_examined":
		return SlowRowsExamined, true
	case "Rows_affected":
		return SlowRowsAffected, true
	case "Rows_read":
		return SlowRowsRead, true
	case "Bytes_sent":
		return SlowBytesSent, true
	case "Bytes_received":
		return SlowBytesReceived, true
	case "Tmp_tables", "Created_tmp_tables":
		return SlowTmpTables, true
	case "Tmp_disk_tables", "Created_tmp_disk_tables":
		return SlowTmpDiskTables, true
	case "Tmp_table_sizes":
		return SlowTmpTableSizes, true
	case "Merge_passes", "Sort_merge_passes":
		return SlowMergePasses, true
	case "Full_scan":
		return SlowFullScan, true
	case "Full_join":
		return SlowFullJoin, true
	case "Tmp_table":
		return SlowTmpTable, true
	case "Tmp_table_on_disk", "Disk_tmp_table":
		return SlowTmpTableOnDisk, true
	case "Filesort":
		return SlowFilesort, true
	case "Filesort_on_disk", "Disk_filesort":
		return SlowFilesortOnDisk, true
	case "Priority_queue":
		return SlowPriorityQueue, true
	case "QC_hit", "QC_Hit":
		return SlowQCHit, true
	case "Errno", "Last_errno":
		return SlowErrno, true
	case "Killed":
		return SlowKilled, true
	case "InnoDB_IO_r_ops":
		return SlowInnoDBIOReadOps, true
	case "InnoDB_IO_r_bytes":
		return SlowInnoDBIOReadBytes, true
	case "InnoDB_IO_r_wait":
		return SlowInnoDBIOReadWait, true
	case "InnoDB_rec_lock_wait":
		return SlowInnoDBRecLockWait, true
	case "InnoDB_queue_wait":
		return SlowInnoDBQueueWait, true
	case "InnoDB_pages_distinct":
		return SlowInnoDBPagesDistinct, true
	case "Pages_accessed":
		return SlowPagesAccessed, true
	case "Pages_read":
		return SlowPagesRead, true
	case "Pages_prefetched":
		return SlowPagesPrefetched, true
	case "Pages_updated":
		return SlowPagesUpdated, true
	case "Old_rows_read":
		return SlowOldRowsRead, true
	case "Pages_read_time":
		return SlowPagesReadTime, true
	case "Engine_time":
		return SlowEngineTime, true
	case "Read_first":
		return SlowReadFirst, true
	case "Read_last":
		return SlowReadLast, true
	case "Read_key":
		return SlowReadKey, true
	case "Read_next":
		return SlowReadNext, true
	case "Read_prev":
		return SlowReadPrev, true
	case "Read_rnd":
		return SlowReadRnd, true
	case "Read_rnd_next":
		return SlowReadRndNext, true
	case "Sort_range_count":
		return SlowSortRangeCount, true
	case "Sort_rows":
		return SlowSortRows, true
	case "Sort_scan_count":
		return SlowSortScanCount, true
	}
	return 0, false
}
