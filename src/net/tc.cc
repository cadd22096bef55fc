#include "net/tc.h"

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/errno.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include <memory>

namespace vc::net {

namespace {

struct QdiscDeleter {
  void operator()(rtnl_qdisc* q) const { rtnl_qdisc_put(q); }
};
struct ClsDeleter {
  void operator()(rtnl_cls* c) const { rtnl_cls_put(c); }
};
struct ActDeleter {
  void operator()(rtnl_act* a) const { rtnl_act_put(a); }
};
struct CacheDeleter {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};

constexpr uint32_t kIngressHandle = TC_HANDLE(0xffff, 0);

std::unique_ptr<rtnl_qdisc, QdiscDeleter> IngressQdisc(int index) {
  std::unique_ptr<rtnl_qdisc, QdiscDeleter> q(rtnl_qdisc_alloc());
  rtnl_tc_set_ifindex(TC_CAST(q.get()), index);
  rtnl_tc_set_parent(TC_CAST(q.get()), TC_H_INGRESS);
  rtnl_tc_set_handle(TC_CAST(q.get()), kIngressHandle);
  rtnl_tc_set_kind(TC_CAST(q.get()), "ingress");
  return q;
}

}  // namespace

Result<> RedirectIngress(Netlink& nl, int from_index, int to_index) {
  const std::string what = "redirect interface " + std::to_string(from_index) + " to " + std::to_string(to_index);
  auto qdisc = IngressQdisc(from_index);
  if (int err = rtnl_qdisc_add(nl.socket(), qdisc.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0)
    return std::unexpected(NetlinkError(what + ": add ingress qdisc", err));

  std::unique_ptr<rtnl_act, ActDeleter> act(rtnl_act_alloc());
  rtnl_tc_set_kind(TC_CAST(act.get()), "mirred");
  rtnl_mirred_set_action(act.get(), TCA_EGRESS_REDIR);
  rtnl_mirred_set_policy(act.get(), TC_ACT_STOLEN);
  rtnl_mirred_set_ifindex(act.get(), to_index);

  std::unique_ptr<rtnl_cls, ClsDeleter> cls(rtnl_cls_alloc());
  rtnl_tc_set_ifindex(TC_CAST(cls.get()), from_index);
  rtnl_tc_set_parent(TC_CAST(cls.get()), kIngressHandle);
  if (int err = rtnl_tc_set_kind(TC_CAST(cls.get()), "u32"); err < 0)
    return std::unexpected(NetlinkError(what + ": u32 classifier", err));
  rtnl_cls_set_prio(cls.get(), 1);
  rtnl_cls_set_protocol(cls.get(), ETH_P_ALL);
  rtnl_u32_add_key_uint32(cls.get(), 0, 0, 0, 0);  // matches every packet
  rtnl_u32_set_cls_terminal(cls.get());
  if (int err = rtnl_u32_add_action(cls.get(), act.get()); err < 0)
    return std::unexpected(NetlinkError(what + ": mirred action", err));
  if (int err = rtnl_cls_add(nl.socket(), cls.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0)
    return std::unexpected(NetlinkError(what + ": add u32 filter", err));
  return {};
}

Result<bool> HasIngressQdisc(Netlink& nl, int index) {
  nl_cache* raw = nullptr;
  if (int err = rtnl_qdisc_alloc_cache(nl.socket(), &raw); err < 0)
    return std::unexpected(NetlinkError("list qdiscs", err));
  std::unique_ptr<nl_cache, CacheDeleter> cache(raw);
  rtnl_qdisc* q = rtnl_qdisc_get_by_parent(cache.get(), index, TC_H_INGRESS);
  if (!q) return false;
  rtnl_qdisc_put(q);
  return true;
}

Result<> RemoveIngressQdisc(Netlink& nl, int index) {
  auto qdisc = IngressQdisc(index);
  int err = rtnl_qdisc_delete(nl.socket(), qdisc.get());
  if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV && err != -NLE_INVAL)
    return std::unexpected(NetlinkError("remove ingress qdisc of interface " + std::to_string(index), err));
  return {};
}

}  // namespace vc::net
