//! One `.wast` script: its directives, run in order against one linker.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use anyhow::{anyhow, bail, ensure, Context, Result};
use wamr_common::{
    Engine, Extern, FuncType, Global, GlobalType, Instance, InstantiationError, Limits, Linker,
    LoadError, Memory, MemoryType, Module, Table, TableType, Trap, TrapKind, Val, ValType,
};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::token::Id;
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, Wat};

use crate::values::{arg, check_results, show_all};
use crate::{FileReport, ModuleLoader, Unsupported};

/// Parses `src` and runs its directives with `engine`, recording each in `report`.
pub(crate) fn run(
    engine: Rc<dyn Engine>,
    loader: ModuleLoader,
    src: &str,
    report: &mut FileReport,
) {
    report.at = (1, 1);
    let mut lexer = Lexer::new(src);
    // names.wast uses bidi and other confusable characters in names on purpose.
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(buf) => buf,
        Err(e) => return parse_failed(report, src, e),
    };
    let wast = match parser::parse::<Wast>(&buf) {
        Ok(wast) => wast,
        Err(e) => return parse_failed(report, src, e),
    };
    let mut script = match Script::new(engine, loader) {
        Ok(script) => script,
        Err(e) => return report.record(Err(e.context("setting up the spectest module"))),
    };
    for directive in wast.directives {
        let (line, col) = directive.span().linecol_in(src);
        report.at = (line + 1, col + 1);
        let label = label(src, &directive);
        report.record(script.run(directive).context(label));
    }
}

fn parse_failed(report: &mut FileReport, src: &str, e: wast::Error) {
    let (line, col) = e.span().linecol_in(src);
    report.at = (line + 1, col + 1);
    report.record(Err(anyhow!("parsing the script: {}", e.message())));
}

/// How a failure names its directive: its keyword, plus the export it calls or reads.
fn label(src: &str, directive: &WastDirective<'_>) -> String {
    let keyword: String = src[directive.span().offset()..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let exec = match directive {
        WastDirective::Invoke(call) | WastDirective::AssertExhaustion { call, .. } => {
            return format!("{keyword} `{}`", call.name)
        }
        WastDirective::AssertReturn { exec, .. } | WastDirective::AssertTrap { exec, .. } => exec,
        _ => return keyword,
    };
    match exec {
        WastExecute::Invoke(call) => format!("{keyword} `{}`", call.name),
        WastExecute::Get { global, .. } => format!("{keyword} global `{global}`"),
        WastExecute::Wat(_) => format!("{keyword} module"),
    }
}

/// The state a script builds up: one linker (and so one store) for all its modules.
struct Script {
    linker: Linker,
    /// Instances by `$id`, for `invoke`, `get` and `register` that name one.
    instances: HashMap<String, Instance>,
    /// The last instantiated module: the target of directives that name none.
    current: Option<Instance>,
    /// Modules from `(module definition ...)`, by `$id`, and the last one.
    definitions: HashMap<String, Module>,
    last_definition: Option<Module>,
    /// Turns a binary into a module the engine can run (the AOT engine compiles it).
    loader: ModuleLoader,
    /// Modules (by `$id`, and whether the last one) skipped because they need GC: what
    /// refers to them is skipped too, not failed.
    gc_modules: HashSet<String>,
    current_needs_gc: bool,
}

impl Script {
    fn new(engine: Rc<dyn Engine>, loader: ModuleLoader) -> Result<Script> {
        let mut linker = Linker::new(engine);
        spectest(&mut linker)?;
        Ok(Script {
            linker,
            loader,
            instances: HashMap::new(),
            current: None,
            definitions: HashMap::new(),
            last_definition: None,
            gc_modules: HashSet::new(),
            current_needs_gc: false,
        })
    }

    /// Runs one directive: `Ok` passed, an [`Unsupported`] error skipped, any other failed.
    fn run(&mut self, directive: WastDirective<'_>) -> Result<()> {
        match directive {
            WastDirective::Module(mut module) => {
                // A module that fails must not leave later directives hitting the one before.
                self.current = None;
                let loaded = load(&self.loader, &mut module);
                self.current_needs_gc = loaded.as_ref().is_err_and(needs_gc);
                if let (true, Some(id)) = (self.current_needs_gc, module.name()) {
                    self.gc_modules.insert(id.name().to_string());
                }
                let instance = self.instantiate(&loaded?)?;
                self.bind(module.name(), instance);
            }
            WastDirective::ModuleDefinition(mut module) => {
                let loaded = load(&self.loader, &mut module);
                if let (true, Some(id)) = (loaded.as_ref().is_err_and(needs_gc), module.name()) {
                    self.gc_modules.insert(id.name().to_string());
                }
                let loaded = loaded?;
                if let Some(id) = module.name() {
                    self.definitions
                        .insert(id.name().to_string(), loaded.clone());
                }
                self.last_definition = Some(loaded);
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                self.current = None;
                let definition = match module {
                    Some(id) => self.definitions.get(id.name()),
                    None => self.last_definition.as_ref(),
                };
                if module.is_some_and(|id| self.gc_modules.contains(id.name())) {
                    bail!(NEEDS_GC);
                }
                let definition = definition.context("no such module definition")?;
                let inst = self.instantiate(definition)?;
                self.bind(instance, inst);
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module)?.clone();
                self.linker.instance(name, &instance);
            }
            WastDirective::Invoke(call) => {
                self.invoke(&call)?
                    .map_err(|trap| anyhow!("trapped: {trap}"))?;
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                check_results(&results, &self.execute(exec)?)?;
            }
            WastDirective::AssertTrap {
                exec: WastExecute::Invoke(call),
                message,
                ..
            }
            | WastDirective::AssertExhaustion { call, message, .. } => {
                expect_trap(self.invoke(&call)?, message)?;
            }
            // A module whose instantiation traps ("uninstantiable"): only the class counts.
            WastDirective::AssertTrap {
                exec: WastExecute::Wat(module),
                ..
            } => {
                let result = self.instantiate(&load(&self.loader, &mut QuoteWat::Wat(module))?);
                ensure!(
                    matches!(result, Err(InstantiationError::Trap(_))),
                    "expected instantiation to trap, but {}",
                    describe(&result)
                );
            }
            WastDirective::AssertTrap {
                exec: WastExecute::Get { .. },
                ..
            } => {
                bail!("reading a global cannot trap")
            }
            WastDirective::AssertInvalid {
                module, message, ..
            }
            | WastDirective::AssertMalformed {
                module, message, ..
            } => {
                expect_rejected(&self.loader, module, message)?;
            }
            WastDirective::AssertUnlinkable { module, .. } => {
                let result = self.instantiate(&load(&self.loader, &mut QuoteWat::Wat(module))?);
                ensure!(
                    matches!(result, Err(InstantiationError::Unlinkable(_))),
                    "expected an unlinkable module, but {}",
                    describe(&result)
                );
            }
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. } => {
                bail!(Unsupported("custom-section assertions"))
            }
            WastDirective::AssertException { exec, .. } => {
                let WastExecute::Invoke(call) = exec else {
                    bail!("only an invocation can throw");
                };
                match self.invoke(&call)? {
                    Err(trap) if trap.kind() == TrapKind::Exception => {}
                    Err(trap) => bail!("expected an exception, got the trap {trap:?}"),
                    Ok(values) => bail!("expected an exception, got {values:?}"),
                }
            }
            WastDirective::AssertSuspension { .. } => bail!(Unsupported("stack switching")),
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                bail!(Unsupported("threads"))
            }
        }
        Ok(())
    }

    fn instantiate(&self, module: &Module) -> Result<Instance, InstantiationError> {
        Instance::new(module, &self.linker)
    }

    fn bind(&mut self, id: Option<Id<'_>>, instance: Instance) {
        if let Some(id) = id {
            self.instances
                .insert(id.name().to_string(), instance.clone());
        }
        self.current = Some(instance);
    }

    fn instance(&self, id: Option<Id<'_>>) -> Result<&Instance> {
        match id {
            Some(id) if self.gc_modules.contains(id.name()) => bail!(NEEDS_GC),
            Some(id) => self
                .instances
                .get(id.name())
                .with_context(|| format!("no module named ${}", id.name())),
            None if self.current.is_none() && self.current_needs_gc => bail!(NEEDS_GC),
            None => self.current.as_ref().context("no module instantiated"),
        }
    }

    /// Calls an export; the outer error is the script's (no such module, unsupported
    /// argument), the inner one the engine's trap.
    fn invoke(&self, call: &WastInvoke<'_>) -> Result<Result<Vec<Val>, Trap>> {
        let instance = self.instance(call.module)?;
        let args = call.args.iter().map(arg).collect::<Result<Vec<_>>>()?;
        Ok(instance.invoke(call.name, &args))
    }

    /// What `assert_return` checks: a call's results, a global's value, or nothing from a
    /// module that must instantiate.
    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Val>> {
        match exec {
            WastExecute::Invoke(call) => self
                .invoke(&call)?
                .map_err(|trap| anyhow!("trapped: {trap}")),
            WastExecute::Wat(module) => {
                self.instantiate(&load(&self.loader, &mut QuoteWat::Wat(module))?)?;
                Ok(Vec::new())
            }
            WastExecute::Get { module, global, .. } => {
                let value = self.instance(module)?.global_value(global);
                Ok(vec![value.with_context(|| {
                    format!("no exported global `{global}`")
                })?])
            }
        }
    }
}

/// The module's binary. The outer error skips components; the inner one is the text's own
/// error (a malformed `module quote`, say).
fn encode(module: &mut QuoteWat<'_>) -> Result<Result<Vec<u8>, wast::Error>> {
    if matches!(
        module,
        QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_))
    ) {
        bail!(Unsupported("component model"));
    }
    Ok(module.encode())
}

/// The reason a directive that needs the GC proposal is skipped.
const NEEDS_GC: Unsupported = Unsupported("needs GC types (the GC proposal is not supported)");

/// Loads a module; one that needs GC is skipped ([`NEEDS_GC`]).
fn load(loader: &ModuleLoader, module: &mut QuoteWat<'_>) -> Result<Module> {
    let bytes = encode(module)?.map_err(|e| anyhow!("encoding the module: {}", e.message()))?;
    match loader(&bytes) {
        Ok(m) => Ok(m),
        Err(LoadError::NeedsGc(_)) => bail!(NEEDS_GC),
        Err(e) => Err(e.into()),
    }
}

/// Whether `e` is the skip of a module that needs GC.
fn needs_gc(e: &anyhow::Error) -> bool {
    e.downcast_ref::<Unsupported>()
        .is_some_and(|u| u.0 == NEEDS_GC.0)
}

/// `assert_invalid` and `assert_malformed`: the module must not load. Text the `wast`
/// crate cannot even encode counts as rejected, as the reference interpreter's parser
/// would reject it too. A module that only fails later, at instantiation, does not count.
fn expect_rejected(loader: &ModuleLoader, mut module: QuoteWat<'_>, message: &str) -> Result<()> {
    let Ok(bytes) = encode(&mut module)? else {
        return Ok(());
    };
    match loader(&bytes) {
        // Under the set's features a module of a proposal left out is invalid.
        Err(LoadError::Invalid { .. } | LoadError::Disabled(_)) => Ok(()),
        Err(e @ (LoadError::Unsupported(_) | LoadError::NeedsGc(_))) => {
            bail!("expected \"{message}\", but the module is valid (rejected as {e})")
        }
        Ok(_) => bail!("expected \"{message}\", but the module loaded"),
    }
}

fn expect_trap(result: Result<Vec<Val>, Trap>, expected: &str) -> Result<()> {
    match result {
        Ok(values) => bail!("expected trap \"{expected}\", got {}", show_all(&values)),
        Err(trap) => {
            ensure!(
                trap_matches(trap.message(), expected),
                "expected trap \"{expected}\", got \"{trap}\""
            );
            Ok(())
        }
    }
}

/// Our message may carry more detail than the spec's, and the spec's sometimes more than
/// ours ("uninitialized element 2" for our "uninitialized element").
fn trap_matches(ours: &str, expected: &str) -> bool {
    ours.contains(expected) || expected.starts_with(ours)
}

/// What instantiation did, for an expectation it missed.
fn describe(result: &Result<Instance, InstantiationError>) -> String {
    match result {
        Ok(_) => "it instantiated".into(),
        Err(InstantiationError::Unlinkable(m)) => format!("it was unlinkable: {m}"),
        Err(InstantiationError::Trap(t)) => format!("it trapped: {t}"),
        Err(InstantiationError::Resource(m)) => format!("it ran out of resources: {m}"),
        Err(InstantiationError::Engine(m)) => format!("the engine refused it: {m}"),
    }
}

/// The `spectest` host module every script may import from.
fn spectest(linker: &mut Linker) -> Result<()> {
    use ValType::{F32, F64, I32, I64};
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        linker.func(
            "spectest",
            name,
            FuncType::new(params.iter().copied(), []),
            |_, _, _| Ok(()),
        );
    }
    let global = |ty, bits: u64| {
        Extern::Global(Global::new(
            GlobalType { ty, mutable: false },
            u128::from(bits),
        ))
    };
    linker.define("spectest", "global_i32", global(I32, 666));
    linker.define("spectest", "global_i64", global(I64, 666));
    linker.define(
        "spectest",
        "global_f32",
        global(F32, u64::from(666.6f32.to_bits())),
    );
    linker.define("spectest", "global_f64", global(F64, 666.6f64.to_bits()));
    let table_limits = Limits {
        min: 10,
        max: Some(20),
    };
    let table = Table::new(
        TableType {
            elem: ValType::FuncRef,
            limits: table_limits,
            table64: false,
        },
        0,
    );
    linker.define(
        "spectest",
        "table",
        Extern::Table(table.map_err(anyhow::Error::msg)?),
    );
    let memory_limits = Limits {
        min: 1,
        max: Some(2),
    };
    let memory = Memory::new(
        MemoryType {
            limits: memory_limits,
            shared: false,
            memory64: false,
        },
        None,
    );
    linker.define(
        "spectest",
        "memory",
        Extern::Memory(memory.map_err(anyhow::Error::msg)?),
    );
    Ok(())
}
