;; The shift pairs compilers emit for narrow signed values are one extension.
(module
  (func $short (param i32) (result i32)
    (i32.shr_s (i32.shl (local.get 0) (i32.const 16)) (i32.const 16)))
  (func $byte (param i32 i32) (result i32)
    (i32.shr_s (i32.shl (i32.add (local.get 0) (local.get 1)) (i32.const 24)) (i32.const 24)))
  (func $not_a_pair (param i32) (result i32)
    (i32.shr_s (i32.shl (local.get 0) (i32.const 16)) (i32.const 8)))
  (func $long (param i64) (result i64)
    (i64.shr_s (i64.shl (local.get 0) (i64.const 32)) (i64.const 32))))
