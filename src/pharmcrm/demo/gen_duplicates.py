"""Demo duplicate conflicts (撞单申诉), filed through the services exactly as the UI does.

Reps try to create (or rename their own record to) a customer that a colleague already has;
the duplicate check blocks them and they raise a conflict:

* 赵敏 (浦东组) claims a customer of 黄磊 (浦西组): open, 上海办事处 (王海峰) decides;
* 宋佳 (南京组) claims a customer of 张伟 (浦东组) by its phone: open, 华东大区 (陈志强) decides;
* 刘洋 claims a customer of 赵敏 (both 浦东组): 李静 transferred it to 刘洋;
* 韩雪 (北京) claims a customer of 梁文杰 (广州): 周建国 (总部) kept it with 梁文杰;
* 韩冰 (苏州组) renamed her own record to one of 郭涛's (南京组) customers: 徐明 merged hers into it.

Deterministic: the customers are picked by position in the demo plan.
"""

from __future__ import annotations

from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers import conflicts
from pharmcrm.customers import services as customer_services
from pharmcrm.customers.duplicates import DuplicateError

SUFFIX_VARIANTS = (("股份有限公司", "有限公司"), ("有限责任公司", "有限公司"), ("有限公司", "有限责任公司"))


def _variant(name: str) -> str:
    """How another rep would write the same company: another company form, brackets dropped."""
    for old, new in SUFFIX_VARIANTS:
        if name.endswith(old):
            return name[: -len(old)] + new
    plain = name.replace("（", "").replace("）", "")
    return plain if plain != name else name + "有限公司"


def _pick(customers, customer_ids, deleted, owner: str, kinds=("agent", "distributor", "chain", "pharmacy")):
    for i, c in enumerate(customers):  # a company (not a person) that has a phone
        if (c.owner == owner and i not in deleted and c.data["type"] in kinds and c.data.get("phone")
                and c.data["name"].endswith("公司")):
            return customer_ids[i], c
    for i, c in enumerate(customers):
        if c.owner == owner and i not in deleted:
            return customer_ids[i], c
    return None, None


def _blocked(actor, data: dict, *, customer_id: int | None = None) -> DuplicateError | None:
    try:
        if customer_id is None:
            customer_services.customer_create(actor=actor, data=data)
        else:
            customer_services.customer_update(actor=actor, customer_id=customer_id, data=data)
    except DuplicateError as exc:
        return exc
    return None


def conflicts_load(*, customers: list, customer_ids: list[int], deleted: set[int], users: dict, fresh) -> dict[str, int]:
    raised = decided = 0

    def claim(claimant: str, owner: str, reason: str, *, by_phone: bool = False, own_id: int | None = None):
        nonlocal raised
        target_id, target = _pick(customers, customer_ids, deleted, owner)
        if target is None:
            return None
        actor = fresh(users[claimant])
        if by_phone:
            data = {"name": f"{target.data['name'][:2]}医药咨询服务部", "type": "other", "phone": target.data["phone"]}
        else:
            data = {**{k: target.data[k] for k in ("type", "region_code")}, "name": _variant(target.data["name"])}
        exc = _blocked(actor, data, customer_id=own_id)
        if exc is None:
            return None
        match = next((m for m in exc.matches if not m.in_pool and not m.own), None)
        if match is None:
            return None
        try:
            conflict = conflicts.conflict_raise(actor=actor, ref=match.ref, data=data, reason=reason,
                                                claimant_customer_id=own_id)
        except ApplicationError:
            return None
        raised += 1
        return conflict

    def decide(conflict, head: str, decision: str, note: str):
        nonlocal decided
        if conflict is None:
            return
        conflicts.conflict_decide(actor=fresh(users[head]), conflict_id=conflict.pk, decision=decision, note=note)
        decided += 1

    claim("zhaomin", "huanglei", "上周陪同李经理拜访了该公司采购部，对方表示尚未与我司任何人对接过。")
    claim("songjia", "zhangwei", "该电话是对方新设的招商对接人手机，我在南京药交会上拿到的名片，已约好下周面谈。",
          by_phone=True)
    c = claim("liuyang", "zhaomin", "赵敏建档后半年没有跟进记录，我已经和对方老板见过两次面并报过价。")
    decide(c, "lijing", "transfer", "赵敏半年未跟进，刘洋已有实质进展，转给刘洋。")
    c = claim("hanxue", "liangwenjie", "对方在北京新设了分公司，希望由北京办事处对接。")
    decide(c, "zhoujianguo", "keep", "总部统一由广州组对接，北京分公司作为其门店跟进，维持原负责人。")
    # 韩冰 first recorded the customer under another name, then corrected it: her record is merged
    _target_id, target = _pick(customers, customer_ids, deleted, "guotao")
    if target is not None:
        hanbing = fresh(users["hanbing"])
        own = customer_services.customer_create(actor=hanbing, data={
            "name": f"{target.data.get('short_name') or target.data['name'][:6]}（苏州联络处）", "type": target.data["type"],
            "address": "苏州工业园区星湖街328号", "notes": "展会上认识的采购，待确认与南京总部的关系。"})
        c = claim("hanbing", "guotao", "这是我在苏州展会上接触的客户，建档时没有查到是同一家公司。", own_id=own.pk)
        decide(c, "xuming", "merge", "同一家公司，韩冰的记录并入郭涛的客户，展会联系人一并保留。")
    return {"conflicts": raised, "conflicts_decided": decided}
