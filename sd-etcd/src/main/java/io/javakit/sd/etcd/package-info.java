/**
 * Service discovery through etcd v3, on jetcd: for deployments that already run etcd (Kubernetes control planes
 * do) and want registrations that vanish by themselves when an instance dies.
 *
 * <p>Each instance is one key, {@code /javakit/services/<service>/<service>-<host>-<port>}, holding
 * {@code {"host":"10.0.0.5","port":8080}} and attached to a lease. {@link io.javakit.sd.etcd.EtcdRegistrar} grants
 * the lease, writes the key and keeps the lease alive; a SIGKILLed instance stops the keep-alives and etcd deletes
 * its key when the TTL (5 s by default) runs out. {@link io.javakit.sd.etcd.EtcdInstancer} reads the prefix and
 * watches it from the revision of that read, so it sees every change, and resynchronises after an outage.
 *
 * <p>Starting points: {@link io.javakit.sd.etcd.EtcdInstancer#create} and
 * {@link io.javakit.sd.etcd.EtcdRegistrar#EtcdRegistrar(io.etcd.jetcd.Client, String, io.javakit.sd.Instance)}.
 * Both take a jetcd {@link io.etcd.jetcd.Client} that the caller builds, shares and closes.
 */
package io.javakit.sd.etcd;
