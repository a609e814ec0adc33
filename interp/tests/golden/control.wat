;; Calls, blocks with results, br_table, returns.
(module
  (table 2 funcref)
  (type $t (func (param i32) (result i32)))
  (func $callee (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $calls (param i32) (result i32)
    (call_indirect (type $t) (call $callee (local.get 0)) (i32.const 1)))
  (func $switch (param i32) (result i32)
    (block $c
      (block $b
        (block $a (br_table $a $b $c (local.get 0)))
        (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30))
  (func $early (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (return (i32.const 3))))
    (i32.mul (local.get 0) (local.get 0))))
