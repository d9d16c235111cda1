"""The test fixtures work on both engines: install, create, read back, roll back."""


def test_create_and_search(env):
    note = env["test.note"].create({"name": "Hello", "body": "world"})
    assert env["test.note"].search([("name", "=", "Hello")]) == note
    assert note.read(["name", "body"]) == [{"id": note.id, "name": "Hello", "body": "world"}]


def test_env_rolls_back_between_tests(env):
    assert env["test.note"].search_count([("name", "=", "Hello")]) == 0


def test_test_addons_are_installed(env):
    assert env.addons.state("test_orm_smoke") == "installed"
