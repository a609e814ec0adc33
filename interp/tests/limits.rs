//! Resource limits an embedder sets: per instance (`InstanceLimits`: memory pages, table
//! elements, table and memory counts) and per store (`StoreLimits`: instances, memory
//! pages across all memories). Over a limit, instantiation is refused with the reason,
//! and growth fails as wasm's -1.

use wamr_common::{Instance, InstanceLimits, InstantiationError, Linker, Module, StoreLimits, Val};
use wamr_interp::Interp;

fn module(wat: &str) -> Module {
    Module::new(&wat::parse_str(wat).unwrap()).unwrap()
}

fn linker(limits: InstanceLimits) -> Linker {
    let mut linker = Linker::new(Interp::new(Default::default()));
    linker.set_limits(limits);
    linker
}

fn refused(r: Result<Instance, InstantiationError>, why: &str) {
    match r {
        Err(e @ InstantiationError::Resource(_)) => {
            assert!(e.to_string().contains(why), "expected `{why}` in: {e}")
        }
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("instantiated despite the limit (`{why}`)"),
    }
}

#[test]
fn table_limits_cap_size_growth_and_count() {
    let limits = InstanceLimits {
        max_table_elements: Some(5),
        max_tables: Some(1),
        ..Default::default()
    };
    refused(
        Instance::new(&module("(module (table 10 funcref))"), &linker(limits)),
        "exceeds the limit of 5 elements",
    );
    let grows = module(
        r#"(module (table 2 100 funcref)
             (func (export "grow") (param i32) (result i32)
               (table.grow (ref.null func) (local.get 0))))"#,
    );
    let inst = Instance::new(&grows, &linker(limits)).unwrap();
    assert_eq!(inst.invoke("grow", &[Val::I32(3)]).unwrap(), [Val::I32(2)]);
    assert_eq!(inst.invoke("grow", &[Val::I32(1)]).unwrap(), [Val::I32(-1)]);
    refused(
        Instance::new(
            &module("(module (table 1 funcref) (table 1 funcref))"),
            &linker(limits),
        ),
        "2 tables exceed the limit of 1",
    );
    // Without limits the same module grows to its declared maximum.
    let inst = Instance::new(&grows, &linker(InstanceLimits::default())).unwrap();
    assert_eq!(inst.invoke("grow", &[Val::I32(98)]).unwrap(), [Val::I32(2)]);
}

#[test]
fn memory_limits_per_instance() {
    let limits = InstanceLimits {
        max_memory_pages: Some(2),
        max_memories: Some(0),
        ..Default::default()
    };
    refused(
        Instance::new(&module("(module (memory 1))"), &linker(limits)),
        "1 memories exceed the limit of 0",
    );
    let limits = InstanceLimits {
        max_memory_pages: Some(2),
        ..Default::default()
    };
    refused(
        Instance::new(&module("(module (memory 3))"), &linker(limits)),
        "exceeds the limit of 2 pages",
    );
}

#[test]
fn store_limits_cap_instances_and_memory_across_instances() {
    let grows = module(
        r#"(module (memory 2)
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    let linker = linker(InstanceLimits::default());
    linker.store().set_limits(StoreLimits {
        max_instances: Some(2),
        max_memory_pages: Some(5),
        ..Default::default()
    });
    let first = Instance::new(&grows, &linker).unwrap();
    let second = Instance::new(&grows, &linker).unwrap();
    // 4 of 5 pages are taken: one more page for either, then none.
    assert_eq!(
        second.invoke("grow", &[Val::I32(2)]).unwrap(),
        [Val::I32(-1)]
    );
    assert_eq!(first.invoke("grow", &[Val::I32(1)]).unwrap(), [Val::I32(2)]);
    assert_eq!(
        second.invoke("grow", &[Val::I32(1)]).unwrap(),
        [Val::I32(-1)]
    );
    refused(Instance::new(&grows, &linker), "already holds 2 instances");
    // A store with pages left but fewer than a module needs refuses it too.
    let small = self::linker(InstanceLimits::default());
    small.store().set_limits(StoreLimits {
        max_memory_pages: Some(1),
        ..Default::default()
    });
    refused(
        Instance::new(&grows, &small),
        "may still allocate (1 pages)",
    );
}
