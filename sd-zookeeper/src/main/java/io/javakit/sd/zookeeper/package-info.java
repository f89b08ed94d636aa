/**
 * Service discovery on ZooKeeper, through Curator: instances register as ephemeral nodes, which live as long as
 * their process's session, and callers watch the children of the service's node.
 *
 * <p>Layout: {@code /javakit/services/<service>/<service>-<host>-<port>}, each node holding
 * {@code {"host":"10.0.0.5","port":8080}}, the same instance id and payload as the other registry modules.
 *
 * <p>Starting points: {@link io.javakit.sd.zookeeper.ZooKeeperClient#connect} for a client with discovery-friendly
 * defaults (a 5 s session, bounded exponential retries), {@link io.javakit.sd.zookeeper.ZooKeeperRegistrar} on the
 * service side and {@link io.javakit.sd.zookeeper.ZooKeeperInstancer#create} on the caller side, usually under an
 * {@link io.javakit.sd.Endpointer}.
 */
package io.javakit.sd.zookeeper;
