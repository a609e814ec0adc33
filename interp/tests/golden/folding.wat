;; local.get and constants are operands; local.set retargets the producer; a
;; comparison before br_if fuses into a compare-and-branch; constants fold.
(module
  (func $count (param i32) (result i32) (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if 0 (i32.gt_u (local.get 0) (i32.const 10))))
    (local.get 1))
  (func $folded (result i64)
    (i64.mul (i64.add (i64.const 40) (i64.const 2)) (i64.const 0x100000000)))
  (func $imm_left (param i32) (result i32)
    (i32.sub (i32.const 100) (local.get 0))))
