/**
 * The test kit, published as the {@code logmesh-node} test-jar and used by {@code node}, {@code examples} and
 * applications: everything runs on one {@link dev.logmesh.testkit.ManualLoop} (a fake clock, one seed), so a
 * test never sleeps and replays exactly.
 *
 * <ul>
 *   <li>{@link dev.logmesh.testkit.LocalMesh}: N real {@code MeshNode}s in memory, restarts over their stores,
 *       and the checker of the mesh's guarantee.</li>
 *   <li>{@link dev.logmesh.testkit.LocalNetwork}: an in-memory network implementing the public
 *       {@code Transport} SPI per host, with a {@link dev.logmesh.testkit.Firewall} (faults by link and message
 *       type, partitions).</li>
 *   <li>{@link dev.logmesh.testkit.TestPair}: two connected links that record every frame, for protocol tests
 *       that assert each message ({@code assertExhausted}); {@link dev.logmesh.testkit.SessionNode} puts a log
 *       and its sessions on them (logmesh's own protocol tests).</li>
 *   <li>{@link dev.logmesh.testkit.StoreContract}: the conformance suite of every {@code Store}.</li>
 * </ul>
 */
package dev.logmesh.testkit;
