package advise

import "testing"

// BenchmarkPlanAdvice runs the advisor (statement parsing included) on a
// join with a dependent subquery and on a three-table join.
func BenchmarkPlanAdvice(b *testing.B) {
	tables, queries := shop(b)
	for _, name := range []string{"dependent-subquery", "join-three-tables", "group-by-temporary"} {
		p := loadPlan(b, "mariadb-10.11-"+name+".analyze.json")
		in := PlanInput{Plan: p, SQL: queries[name], DefaultSchema: "shop", Tables: tables}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Plan(in)
			}
		})
	}
}
