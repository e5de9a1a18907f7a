"""Copies as students hide them, for the similarity tests and bench/similarity.py: every
name the notebook binds renamed, the layout redone, functions reordered, comments replaced
and added. The copy still runs as the original does."""
import ast
import io
import tokenize


def _renamable(cells, keep):
    """The names a copier may change: what the notebook binds, except the graded functions,
    their parameters and names passed as keyword arguments (the grader calls them so)."""
    names, fixed = set(), set(keep)
    for cell in cells:
        for node in ast.walk(ast.parse(cell)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.FunctionDef):
                names.add(node.name)
                if node.name in keep:
                    fixed |= {a.arg for a in node.args.args + node.args.kwonlyargs}
            elif isinstance(node, ast.keyword) and node.arg:
                fixed.add(node.arg)
    return sorted(names - fixed)


def _reordered(cell):
    """The cell with its top-level functions in reverse order (unless one name is defined
    twice: then the order decides which one counts)."""
    tree, lines = ast.parse(cell), cell.split("\n")
    defs = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if len({node.name for node in defs}) < len(defs) or any(n.decorator_list for n in defs):
        return cell
    spans = [(node.lineno - 1, node.end_lineno) for node in defs]
    blocks = ["\n".join(lines[start:end]) for start, end in reversed(spans)]
    out, last = [], 0
    for (start, end), block in zip(spans, blocks):
        out += lines[last:start] + [block]
        last = end
    return "\n".join(out + lines[last:])


def disguise(cells, keep):
    """A copy as a student hides one: every name it binds renamed, the layout redone
    (tokens spaced anew), functions reordered, comments replaced and added."""
    new = {name: f"my_{index}" for index, name in enumerate(_renamable(cells, keep))}
    copied = []
    for cell in cells:
        tokens, previous = [], None
        for token in tokenize.generate_tokens(io.StringIO(_reordered(cell)).readline):
            text = token.string
            if token.type == tokenize.NAME and previous != "." and text in new:
                text = new[text]
            elif token.type == tokenize.COMMENT:
                text = "# (my own notes)"
            elif text == "def":
                tokens += [(tokenize.COMMENT, "# written for this lab"), (tokenize.NL, "\n")]
            tokens.append((token.type, text))
            previous = token.string
        copied.append(tokenize.untokenize(tokens))
    return copied
