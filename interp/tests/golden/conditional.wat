;; `if (c) x = y;` as clang writes it: a branch on a condition in the accumulator over
;; one copy. isa::branch_over_copy turns it into a conditional copy (copy_next_if_a,
;; copy_next_unless_a), so a data-dependent condition costs no misprediction.
(module
  (func $pick_larger (export "pick_larger") (param $a f64) (param $b f64) (param $i i32) (param $k i32) (result i32)
    (block $skip
      (br_if $skip (i32.eqz (f64.lt (local.get $a) (local.get $b))))
      (local.set $i (local.get $k)))
    (local.get $i))
  (func $unless_odd (export "unless_odd") (param $c i32) (param $i i32) (param $k i32) (result i32)
    (block $skip
      (br_if $skip (i32.and (local.get $c) (i32.const 1)))
      (local.set $i (local.get $k)))
    (local.get $i))
)
