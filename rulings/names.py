"""How the bodies that rule are named in running text. Pure helpers: no model imports."""


def body_in_sentence(name: str, *, opening: bool = True) -> str:
    """A body's name as a sentence uses it: "The Information Commissioner's Office" opening
    a sentence, "the First-tier Tribunal" inside one; a name already starting with an
    article ("A body not recorded …") keeps it."""
    if name.lower().startswith(("the ", "a ", "an ")):
        article, rest = name.split(" ", 1)
    else:
        article, rest = "the", name
    article = article.capitalize() if opening else article.lower()
    return f"{article} {rest}"
