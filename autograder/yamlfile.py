"""Settings files (course.yaml, lti.yaml): YAML read safely, a key given twice refused, and
an error said with the file's name and the line it is about."""
import yaml


class ConfigError(Exception):
    """A settings file cannot be used; the message names the key and says what to write."""


class _Strict(yaml.SafeLoader):
    """YAML's safe loader that refuses a key given twice in one mapping (plain YAML keeps
    the last and drops the first without a word)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key, _ in node.value:
            name = self.construct_object(key, deep=True)
            if isinstance(name, str) and name in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{name} is given twice; keep one", key.start_mark)
            seen.add(name)
        return super().construct_mapping(node, deep)


def load_yaml(path):
    """The settings file ``path``'s YAML, read safely ({} when empty); ConfigError, with the
    line where there is one, when it cannot be read or a key is given twice."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Strict) or {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "cannot be read"
        raise ConfigError(f"{path.name}, {where}: {error.problem or error.context}") from None
    except (OSError, UnicodeError, yaml.YAMLError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(f"{path.name} cannot be read: {reason}") from None


def where_in(path, keys):
    """``name, line N`` for the key (or list item) that ``keys`` lead to in the YAML file
    ``path``, or the file's name alone where it cannot be found."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), yaml.SafeLoader)
    except (OSError, UnicodeError, yaml.YAMLError):
        node = None
    line = _line(node, keys)
    return f"{path.name}, line {line}" if line else path.name


def _line(node, where):
    """The line of the key (or list item) that ``where`` leads to in a YAML node tree."""
    line = None
    for step in where:
        if isinstance(node, yaml.SequenceNode):  # by index, or the item that is (or has
            node = next((item for index, item in enumerate(node.value)  # the id) ``step``
                         if step in (index, getattr(item, "value", None))
                         or isinstance(item, yaml.MappingNode) and any(
                             k.value == "id" and v.value == step for k, v in item.value)),
                        None)
            if node is None:
                return line
            line = node.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode):
            key, node = next(((k, v) for k, v in node.value if k.value == str(step)),
                             (None, None))
            if key is None:
                return line
            line = key.start_mark.line + 1
        else:
            return line
    return line
