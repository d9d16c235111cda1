"""`tessera access explain LOGIN MODEL OPERATION [ID]`: why an operation is allowed."""

from __future__ import annotations

from core.exceptions import AccessError, ValidationError
from core.security.policy import OPERATIONS, AccessPolicy


def explain(env, login: str, model: str, operation: str, record_id: int | None = None) -> str:
    """A readable account of the access lines and record rules that apply to `login`
    doing `operation` on `model` (and record `record_id`), ending with the verdict."""
    if operation not in OPERATIONS:
        raise ValidationError(f"operation must be one of {', '.join(OPERATIONS)}, "
                              f"not {operation!r}")
    if model not in env.registry:
        raise ValidationError(f"model {model!r} is not installed")
    user = env["res.users"].sudo().with_context(active_test=False).search(
        [("login", "=", login)], limit=1)
    if not user:
        raise ValidationError(f"no user with login {login!r}")
    policy = env.transaction.security or AccessPolicy(env.transaction)
    groups = policy.group_ids(user.id)
    lines = [f"User {user.name} ({login}, id {user.id}); groups: "
             + (", ".join(sorted(policy.group_name(g) for g in groups)) or "none"),
             f"Operation: {operation} on {model}", "", "Access lines:"]
    index = 2 + OPERATIONS.index(operation)
    granted = False
    for line in policy.access_lines(model):
        applies = line[1] is None or line[1] in groups
        grants = applies and bool(line[index])
        granted = granted or grants
        who = "everyone" if line[1] is None else policy.group_name(line[1])
        state = "grants" if grants else ("applies, no " + operation if applies
                                         else "not your groups")
        lines.append(f"  - {line[0]} ({who}): {state}")
    if not policy.access_lines(model):
        lines.append("  (none: only the superuser may use this model)")
    _global_rules, group_rules = policy.applicable_rules(user.id, model, operation)
    lines += ["", f"Record rules for {operation}:"]
    index = 4 + OPERATIONS.index(operation)
    for rule in policy.rules(model):
        if not rule[index]:
            continue
        if not rule[3]:
            kind = "global, always applies (AND)"
        elif rule in group_rules:
            kind = "group rule of your groups (OR with the others)"
        else:
            kind = "group rule of other groups: ignored"
        lines.append(f"  - {rule[1]!r}: {rule[2]}  [{kind}]")
    if not policy.rules(model):
        lines.append("  (none)")
    user_env = env(user=user.id, su=False)
    domain = policy.rule_domain(user_env, model, operation)
    if domain is not None:
        lines.append(f"  combined domain: {domain}")
    verdict = "ALLOWED" if granted or user.id == 1 else "DENIED (no access line grants it)"
    if granted and record_id is not None:
        record = user_env[model].browse(record_id)
        if not record.sudo().exists():
            verdict = f"DENIED for record {record_id}: it does not exist"
        else:
            try:
                record._check_rules(operation)
                verdict = f"ALLOWED for record {record_id}"
            except AccessError:
                names = policy.denying_rules(record, operation, [record_id])
                verdict = (f"DENIED for record {record_id} (excluded by the record rule(s) "
                           f"{', '.join(map(repr, names))})")
    lines += ["", f"Verdict: {verdict}"]
    return "\n".join(lines)
