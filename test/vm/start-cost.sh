#!/bin/sh
# Prints how long the agent takes to reach its ready line, and each loaded program's verified
# instruction count (bpftool), in the guest. Diagnostic: run with test/vm/run-all.sh.
echo '{"watch":["/etc/"],"stats":{"interval":3600}}' > /tmp/start-cost-policy.json
start=$(date +%s)
node bin/lsmwatch.js --sensor "${1:-lsm}" --policy /tmp/start-cost-policy.json --no-state > /tmp/start-cost.out 2> /tmp/start-cost.err &
pid=$!
i=0
while [ $i -lt 600 ]; do
  grep -q '"type":"ready"' /tmp/start-cost.out 2>/dev/null && break
  kill -0 $pid 2>/dev/null || break
  sleep 1; i=$((i + 1))
done
echo "start-cost: ready after $(( $(date +%s) - start )) s"
bpftool -j prog show 2>/dev/null | node -e '
  const progs = JSON.parse(require("fs").readFileSync(0, "utf8")).filter((p) => String(p.name).startsWith("lw_"));
  const total = progs.reduce((n, p) => n + (p.verified_insns ?? 0), 0);
  console.log(`start-cost: ${progs.length} programs, ${total} verified instructions`);
  for (const p of progs.sort((a, b) => (b.verified_insns ?? 0) - (a.verified_insns ?? 0)).slice(0, 25)) console.log(`  ${p.name} ${p.verified_insns}`);
'
kill -INT $pid; wait $pid
head -c 600 /tmp/start-cost.err
