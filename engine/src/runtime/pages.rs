//! A persistent vector for published snapshots: a fixed-shape tree of small
//! `Arc` pages, so that cloning a vector is one reference count and
//! changing one element copies only the pages on its path.
//!
//! A writer keeps one [`Pages`] and publishes clones of it; a later
//! [`Pages::set`] copies the leaf page and the branch pages above it that a
//! published clone still shares (`Arc::make_mut`), and leaves every other
//! page shared; on pages nobody else holds it writes in place. Pages hold
//! 64 entries: 100,000 entries are three levels deep, so a write in place
//! walks three pages (the upper two stay in cache), while a copied leaf
//! clones 64 entries. The shape is fixed when the vector is built; there is
//! no push or remove (the snapshot rebuilds a tenant whose roster changed).

use std::fmt;
use std::sync::Arc;

/// Entries per page, as a power of two (64).
const BITS: u32 = 6;
/// Entries per page.
const WIDTH: usize = 1 << BITS;

/// One page: entries, or the pages of the level below.
#[derive(Clone)]
enum Node<T> {
    Leaf(Arc<[T]>),
    Branch(Arc<[Node<T>]>),
}

/// A vector whose clones share their pages (see the module docs).
#[derive(Clone)]
pub(crate) struct Pages<T> {
    root: Node<T>,
    /// Branch levels above the leaves.
    depth: u32,
    len: usize,
}

impl<T: Clone> Pages<T> {
    /// A vector holding `items` in order.
    pub(crate) fn from_vec(items: Vec<T>) -> Self {
        let len = items.len();
        let mut level: Vec<Node<T>> = items
            .chunks(WIDTH)
            .map(|page| Node::Leaf(page.into()))
            .collect();
        let mut depth = 0;
        while level.len() > 1 {
            level = level
                .chunks(WIDTH)
                .map(|pages| Node::Branch(pages.into()))
                .collect();
            depth += 1;
        }
        let root = level.pop().unwrap_or_else(|| Node::Leaf(Arc::from([])));
        Pages { root, depth, len }
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Entry `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        self.leaf(i).and_then(|(entries, slot)| entries.get(slot))
    }

    /// Loads the page holding entry `i` (its header) without changing
    /// anything: a loop of touches before a loop of [`Pages::set`]s lets the
    /// processor fetch many cold pages at once instead of one after another.
    pub(crate) fn touch(&self, i: usize) {
        if let Some((entries, _)) = self.leaf(i) {
            std::hint::black_box(Arc::strong_count(entries));
        }
    }

    /// The leaf page holding entry `i`, and the entry's slot in it.
    fn leaf(&self, i: usize) -> Option<(&Arc<[T]>, usize)> {
        if i >= self.len {
            return None;
        }
        let mut node = &self.root;
        let mut level = self.depth;
        loop {
            match node {
                Node::Branch(pages) => {
                    node = &pages[slot(i, level)];
                    level -= 1;
                }
                Node::Leaf(entries) => return Some((entries, slot(i, 0))),
            }
        }
    }

    /// Replaces entry `i` (an index past the end is ignored), copying the
    /// pages on its path that a clone still shares.
    pub(crate) fn set(&mut self, i: usize, value: T) {
        if i >= self.len {
            return;
        }
        let mut node = &mut self.root;
        let mut level = self.depth;
        loop {
            match node {
                Node::Branch(pages) => {
                    node = &mut Arc::make_mut(pages)[slot(i, level)];
                    level -= 1;
                }
                Node::Leaf(entries) => {
                    Arc::make_mut(entries)[slot(i, 0)] = value;
                    return;
                }
            }
        }
    }

    /// The entries in order.
    pub(crate) fn iter(&self) -> Iter<'_, T> {
        let (stack, leaf) = match &self.root {
            Node::Branch(pages) => (vec![pages.iter()], [].iter()),
            Node::Leaf(entries) => (Vec::new(), entries.iter()),
        };
        Iter { stack, leaf }
    }
}

/// The child slot of index `i` at `level` (0 = inside a leaf).
fn slot(i: usize, level: u32) -> usize {
    (i >> (BITS * level)) & (WIDTH - 1)
}

/// Iterator over the entries of [`Pages`], in order.
pub(crate) struct Iter<'a, T> {
    stack: Vec<std::slice::Iter<'a, Node<T>>>,
    leaf: std::slice::Iter<'a, T>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        loop {
            if let Some(entry) = self.leaf.next() {
                return Some(entry);
            }
            match self.stack.last_mut()?.next() {
                Some(Node::Leaf(entries)) => self.leaf = entries.iter(),
                Some(Node::Branch(pages)) => self.stack.push(pages.iter()),
                None => {
                    self.stack.pop();
                }
            }
        }
    }
}

impl<T: Clone + fmt::Debug> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Clone + PartialEq> PartialEq for Pages<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_set_and_iter_agree_with_a_vec_at_every_size() {
        for len in [0, 1, 15, 16, 17, 255, 256, 257, 5_000] {
            let mut model: Vec<usize> = (0..len).collect();
            let mut pages = Pages::from_vec(model.clone());
            assert_eq!(pages.len(), len);
            for i in (0..len).step_by(7) {
                model[i] = i * 10;
                pages.set(i, i * 10);
            }
            pages.set(len, 1); // past the end: ignored
            assert_eq!(pages.iter().copied().collect::<Vec<_>>(), model);
            assert!((0..len).all(|i| pages.get(i) == Some(&model[i])));
            assert_eq!(pages.get(len), None);
        }
    }

    #[test]
    fn a_clone_keeps_its_entries_and_shares_untouched_pages() {
        let mut pages = Pages::from_vec((0..1_000).collect::<Vec<u32>>());
        let published = pages.clone();
        pages.set(500, 0);
        assert_eq!(published.get(500), Some(&500), "the clone is unchanged");
        assert_eq!(pages.get(500), Some(&0));
        let (Node::Branch(a), Node::Branch(b)) = (&pages.root, &published.root) else {
            panic!("1,000 entries need branch pages");
        };
        let shared = a.iter().zip(b.iter()).filter(|(x, y)| same(x, y)).count();
        assert_eq!(shared, a.len() - 1, "only the changed path is copied");
    }

    fn same<T>(a: &Node<T>, b: &Node<T>) -> bool {
        match (a, b) {
            (Node::Leaf(x), Node::Leaf(y)) => Arc::ptr_eq(x, y),
            (Node::Branch(x), Node::Branch(y)) => Arc::ptr_eq(x, y),
            _ => false,
        }
    }
}
