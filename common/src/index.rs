//! Typed indices into a module's index spaces.
//!
//! Wasm numbers imports and definitions in one space per kind, imports first. Code that
//! needs "the n-th definition" (a function body, an instance's own memory, an image's
//! code) converts through [`ModuleData`]'s methods below instead of doing arithmetic on
//! import counts, so the two numberings cannot be confused.

use crate::module::{FuncBody, ModuleData};
use crate::types::{GlobalType, MemoryType, TableType};

macro_rules! indices {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The index as a `usize`, for indexing vectors.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl From<u32> for $name {
            fn from(i: u32) -> Self {
                $name(i)
            }
        }
    )*};
}

indices! {
    /// A function in the module's function space (imports first).
    FuncIndex;
    /// A function the module defines: its body's position in the code section.
    DefinedFuncIndex;
    /// A table in the module's table space (imports first).
    TableIndex;
    /// A table the module defines.
    DefinedTableIndex;
    /// A memory in the module's memory space (imports first).
    MemoryIndex;
    /// A memory the module defines.
    DefinedMemoryIndex;
    /// A global in the module's global space (imports first).
    GlobalIndex;
    /// A global the module defines.
    DefinedGlobalIndex;
    /// A tag in the module's tag space (imports first).
    TagIndex;
    /// A tag the module defines.
    DefinedTagIndex;
    /// A type in the module's type section.
    TypeIndex;
}

/// One index space: its imported count splits it into imports and definitions.
macro_rules! space {
    ($space:ident, $defined:ident, $count:ident, $imported:ident,
     $to_defined:ident, $from_defined:ident, $defined_iter:ident) => {
        /// The definition `index` names, or `None` for an import.
        pub fn $to_defined(&self, index: $space) -> Option<$defined> {
            let i = index.0.checked_sub(self.$imported)?;
            (i < self.$count() as u32 - self.$imported).then_some($defined(i))
        }

        /// The index of definition `index` in the whole space.
        pub fn $from_defined(&self, index: $defined) -> $space {
            $space(self.$imported + index.0)
        }

        /// Every definition with its index in the whole space, in order.
        pub fn $defined_iter(&self) -> impl Iterator<Item = ($defined, $space)> + '_ {
            (self.$imported..self.$count() as u32)
                .map(move |i| ($defined(i - self.$imported), $space(i)))
        }
    };
}

impl ModuleData {
    fn func_count(&self) -> usize {
        self.funcs.len()
    }
    fn table_count(&self) -> usize {
        self.tables.len()
    }
    fn memory_count(&self) -> usize {
        self.memories.len()
    }
    fn global_count(&self) -> usize {
        self.global_types.len()
    }
    fn tag_count(&self) -> usize {
        self.tags.len()
    }

    space!(
        FuncIndex,
        DefinedFuncIndex,
        func_count,
        num_imported_funcs,
        defined_func_index,
        func_index,
        defined_funcs
    );
    space!(
        TableIndex,
        DefinedTableIndex,
        table_count,
        num_imported_tables,
        defined_table_index,
        table_index,
        defined_tables
    );
    space!(
        MemoryIndex,
        DefinedMemoryIndex,
        memory_count,
        num_imported_memories,
        defined_memory_index,
        memory_index,
        defined_memories
    );
    space!(
        GlobalIndex,
        DefinedGlobalIndex,
        global_count,
        num_imported_globals,
        defined_global_index,
        global_index,
        defined_globals
    );
    space!(
        TagIndex,
        DefinedTagIndex,
        tag_count,
        num_imported_tags,
        defined_tag_index,
        tag_index,
        defined_tags
    );

    /// Whether function `index` is imported.
    pub fn is_imported_func(&self, index: FuncIndex) -> bool {
        index.0 < self.num_imported_funcs
    }

    /// The body of a defined function, or `None` for an import or an index out of range.
    pub fn body_of(&self, index: FuncIndex) -> Option<&FuncBody> {
        self.bodies.get(self.defined_func_index(index)?.index())
    }

    /// The types of the memories the module defines, in order.
    pub fn defined_memory_types(&self) -> &[MemoryType] {
        &self.memories[self.num_imported_memories as usize..]
    }

    /// The types of the tables the module defines, in order.
    pub fn defined_table_types(&self) -> &[TableType] {
        &self.tables[self.num_imported_tables as usize..]
    }

    /// The types of the globals the module defines, in order.
    pub fn defined_global_types(&self) -> &[GlobalType] {
        &self.global_types[self.num_imported_globals as usize..]
    }

    /// The type indices of the tags the module defines, in order.
    pub fn defined_tag_types(&self) -> &[u32] {
        &self.tags[self.num_imported_tags as usize..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Module;

    #[test]
    fn imports_and_definitions_convert_both_ways() {
        let wasm = wat::parse_str(
            r#"(module
                 (import "m" "f" (func))
                 (import "m" "g" (func))
                 (import "m" "glob" (global i32))
                 (func) (func) (func)
                 (global i32 (i32.const 0))
                 (memory 1))"#,
        )
        .unwrap();
        let module = Module::new(&wasm).unwrap();
        assert_eq!(module.defined_func_index(FuncIndex(1)), None);
        assert_eq!(
            module.defined_func_index(FuncIndex(2)),
            Some(DefinedFuncIndex(0))
        );
        assert_eq!(
            module.defined_func_index(FuncIndex(4)),
            Some(DefinedFuncIndex(2))
        );
        assert_eq!(module.defined_func_index(FuncIndex(5)), None);
        assert_eq!(module.func_index(DefinedFuncIndex(1)), FuncIndex(3));
        let defined: Vec<_> = module.defined_funcs().map(|(_, f)| f.0).collect();
        assert_eq!(defined, [2, 3, 4]);
        assert!(module.is_imported_func(FuncIndex(0)));
        assert!(module.body_of(FuncIndex(0)).is_none());
        assert!(module.body_of(FuncIndex(2)).is_some());
        assert_eq!(
            module.defined_global_index(GlobalIndex(1)),
            Some(DefinedGlobalIndex(0))
        );
        assert_eq!(
            module.defined_memory_index(MemoryIndex(0)),
            Some(DefinedMemoryIndex(0))
        );
        assert_eq!(module.defined_memory_types().len(), 1);
        assert_eq!(module.defined_global_types().len(), 1);
        assert!(module.defined_table_types().is_empty());
    }
}
