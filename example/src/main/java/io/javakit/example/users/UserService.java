package io.javakit.example.users;

import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RequestContext;
import java.util.Map;
import java.util.Optional;

/** The seed's UserService: {@code UserByName(ctx, name) -> (User, error)}. */
@FunctionalInterface
public interface UserService {
    User userByName(RequestContext ctx, String name) throws Exception;

    /** The seed's in-memory data: user1..user3 with ids 1-3. */
    static UserService inMemory() {
        Map<String, User> users = Map.of("user1", new User(1, "user1"), "user2", new User(2, "user2"),
                "user3", new User(3, "user3"));
        return (ctx, name) -> Optional.ofNullable(users.get(name)).orElseThrow(() -> new NotFoundException("user not found."));
    }
}
