;; Unsigned 32-bit division and remainder by a constant of at least 2 become
;; multiplications by the divisor's magic (`_k_` ops, with the divisor and its magic as
;; immediates); by 0 or 1, by a variable, and 64-bit ones stay the plain operators. A
;; linear congruential step chains them through the accumulator.
(module
  (func $rem10 (export "rem10") (param i32) (result i32)
    (i32.rem_u (local.get 0) (i32.const 10)))
  (func $div7 (export "div7") (param i32) (result i32)
    (i32.div_u (local.get 0) (i32.const 7)))
  (func $div_big (export "div_big") (param i32) (result i32)
    (i32.div_u (local.get 0) (i32.const -3)))
  (func $rem1 (export "rem1") (param i32) (result i32)
    (i32.rem_u (local.get 0) (i32.const 1)))
  (func $div0 (export "div0") (param i32) (result i32)
    (i32.div_u (local.get 0) (i32.const 0)))
  (func $rem_var (export "rem_var") (param i32 i32) (result i32)
    (i32.rem_u (local.get 0) (local.get 1)))
  (func $lcg (export "lcg") (param i32) (result i32)
    (i32.rem_u
      (i32.add (i32.mul (i32.rem_u (i32.add (i32.mul (local.get 0) (i32.const 3877))
                                           (i32.const 29573))
                                  (i32.const 139968))
                        (i32.const 3877))
               (i32.const 29573))
      (i32.const 139968)))
)
