"""A notebook's code as the similarity report compares it (similarity.py): Python tokens with
the names the student chose as ``V``, strings as ``S``, no comments or layout, fingerprinted
by copydetect (MOSS's winnowing); and the lines around what matched, for showing."""
import ast
import functools
import hashlib
import io
import tokenize
from dataclasses import dataclass

import numpy as np
from copydetect.utils import get_copied_slices, winnow

K, WINDOW = 12, 4     # characters of normalised code per fingerprint; winnowing window
CONTEXT = 1           # lines shown around the matching ones


@dataclass
class Print:
    """A student's code, its normalised tokens, where each of their characters came from in
    the code, and its fingerprints: {hash: [places in the normalised text]}."""
    code: str
    text: str
    origin: list
    places: dict

    @property
    def hashes(self):
        return set(self.places)


def fingerprint(cells, boilerplate=None, keep=()):
    """The Print of the cells, leaving out the hashes in the set ``boilerplate``; ``keep`` as in
    normalise. Each block is fingerprinted on its own, so reordering them changes nothing."""
    text, origin, blocks = normalise(cells, keep)
    places = {}
    for start, end in zip(blocks, blocks[1:] + [len(text)]):
        if end - start < K:
            continue
        hashes, where = winnow(_kgrams(text[start:end]), WINDOW, remove_duplicates=False)
        for h, place in zip(hashes.tolist(), where.tolist()):
            if boilerplate is None or h not in boilerplate:
                places.setdefault(h, []).append(start + place)
    return Print("\n".join(cells), text, origin, places)


def _kgrams(text):
    """A hash of every K characters of ``text``: the same in every run (Python's own hash
    of a string is not), so a class gets the same pairs each time it is compared."""
    return np.array([int.from_bytes(hashlib.blake2b(text[i:i + K].encode(
        "utf-8", "surrogatepass"), digest_size=8).digest(), "little", signed=True)
        for i in range(len(text) - K + 1)], dtype=np.int64)


def normalise(cells, keep=()):
    """(the cells' tokens, with the names they bind but ``keep`` as V, strings as S, no
    comments or layout; for each character, the (start, end) of its token in the cells
    joined by newlines; where each block starts: a top-level function or class, or the
    statements between them). A cell that does not parse or tokenise counts up to where
    it stops."""
    names = set().union(*map(bound, cells)) - set(keep)
    parts, origin, offset, blocks, size = [], [], 0, [], 0
    for cell in cells:
        starts, owner, last = [offset], _owners(cell), None
        for line in cell.split("\n"):
            starts.append(starts[-1] + len(line) + 1)
        for token, word in _words(cell, names):
            if owner.get(token.start[0], 0) != last:
                blocks.append(size)
                last = owner.get(token.start[0], 0)
            parts.append(f" {word}" if word[:1].isalnum() and parts
                         and parts[-1][-1:].isalnum() else word)
            origin += [(starts[token.start[0] - 1] + token.start[1],
                        starts[token.end[0] - 1] + token.end[1])] * len(parts[-1])
            size += len(parts[-1])
        offset = starts[-1]
    return "".join(parts), origin, blocks or [0]


@functools.lru_cache(maxsize=4096)
def _owners(cell):
    """{line: the top-level function or class it belongs to (its first line), or 0}."""
    try:
        tree = ast.parse(cell)
    except (SyntaxError, ValueError):
        return {}
    owner = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            owner.update(dict.fromkeys(range(first, node.end_lineno + 1), first))
    return owner


@functools.lru_cache(maxsize=4096)
def tokens(cell):
    """The cell's tokens, up to where it stops tokenising (a class shares most cells)."""
    found = []
    try:
        found.extend(tokenize.generate_tokens(io.StringIO(cell).readline))
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return tuple(found)


def _words(cell, names):
    """(token, what it becomes) for the tokens of one cell that count."""
    kept = (tokenize.NAME, tokenize.STRING, tokenize.OP, tokenize.NUMBER, tokenize.NEWLINE)
    tokens_ = [token for token in tokens(cell) if token.type in kept]
    signature, depth, previous = False, 0, None
    for token, after in zip(tokens_, tokens_[1:] + [None]):
        if token.string == "," and after is not None and after.string in (")", "]", "}"):
            continue  # a trailing comma, as formatters add them
        if token.string in ("(", "[", "{"):
            depth += 1
        elif token.string in (")", "]", "}"):
            depth -= 1
            signature = signature and depth > 0
        word = {tokenize.STRING: "S", tokenize.NEWLINE: ";"}.get(token.type, token.string)
        if token.type == tokenize.NAME:
            # An attribute, or a keyword argument of a call, is the API's name: kept.
            api = previous == "." or (after is not None and after.string == "="
                                      and depth > 0 and not signature)
            word = "V" if token.string in names and not api else token.string
            signature = signature or (token.string == "def" and depth == 0)
        previous = token.string
        yield token, word


@functools.lru_cache(maxsize=4096)
def bound(code):
    """The names the code binds: assigned, arguments, functions, classes, import aliases
    (a frozenset)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return frozenset()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias) and node.asname:
            names.add(node.asname)
    return frozenset(names)


def lines(one, places):
    """[(number, [(text, matching)])] for the lines within CONTEXT of a matching part."""
    marked = np.zeros(len(one.code) + 1, dtype=bool)
    starts, ends = get_copied_slices(np.asarray(places, dtype=int), K)
    for start, end in zip(starts, ends):
        spans = one.origin[int(start):int(min(end, len(one.origin)))]
        if spans:
            marked[spans[0][0]:spans[-1][1]] = True
    texts = one.code.split("\n")
    offsets = np.cumsum([0] + [len(text) + 1 for text in texts])
    hit = {number for number in range(1, len(texts) + 1)
           if marked[offsets[number - 1]:offsets[number - 1] + len(texts[number - 1])].any()}
    near = sorted({k for h in hit for k in range(h - CONTEXT, h + CONTEXT + 1)
                   if 0 < k <= len(texts)})
    found = []
    for number in near:
        text, flags = texts[number - 1], marked[offsets[number - 1]:][:len(texts[number - 1])]
        cuts = [0, *(np.flatnonzero(np.diff(flags)) + 1).tolist(), len(text)]
        found.append((number, [(text[a:b], bool(flags[a])) for a, b in zip(cuts, cuts[1:])
                               if b > a] or [("", False)]))
    return found
