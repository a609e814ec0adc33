;; A switch that only computes a value: its `br_table` becomes `br_table_const`, a table
;; of values (isa::switch_to_values), so no case is an indirect jump. Case 0 and 1 set a
;; value and branch to the join, case 2 goes to the join leaving the value, case 3 goes
;; where the default goes, case 4 sets a value and falls into the join.
(module
  (func $pick (export "pick") (param $i i32) (result i32) (local $v i32)
    (local.set $v (i32.const 99))
    (block $out
      (block $join
        (block $set13
          (block $set11
            (block $set10
              (br_table $set10 $set11 $join $out $set13 $out (local.get $i)))
            (local.set $v (i32.const 10))
            (br $join))
          (local.set $v (i32.const 11))
          (br $join))
        (local.set $v (i32.const 13)))
      (return (i32.add (local.get $v) (i32.const 1000))))
    (i32.const -1))
  ;; The same with one case setting another local: it stays a jump table.
  (func $mixed (export "mixed") (param $i i32) (result i32) (local $v i32) (local $w i32)
    (block $join
      (block $set11
        (block $set10
          (br_table $set10 $set11 $join (local.get $i)))
        (local.set $v (i32.const 10))
        (br $join))
      (local.set $w (i32.const 11)))
    (i32.add (local.get $v) (local.get $w)))
)
