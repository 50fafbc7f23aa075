"""The quick scenario: one node, site.yml end to end, a stack from the inventory on the VIP."""

import time


def test_swarm_is_an_autolocked_manager(host):
    out = host.run("docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'")
    assert out.stdout.split() == ["active", "true"], out.stdout + out.stderr
    autolock = host.run("docker info --format '{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}'")
    assert autolock.stdout.strip() == "true", autolock.stdout + autolock.stderr


def test_the_stack_answers_on_the_vip_with_its_config(host):
    deadline = time.time() + 90
    out = ""
    while time.time() < deadline:
        out = host.run("curl -s --max-time 5 http://10.77.7.100:8080/").stdout
        if out == "hello from the default scenario\n":
            break
        time.sleep(3)
    assert out == "hello from the default scenario\n", host.run("ip -4 -o addr show; docker service ps hello_web").stdout


def test_configs_and_secrets_are_versioned_and_the_definition_kept(host):
    spec = host.run("docker service inspect hello_web --format "
                    "'{{range .Spec.TaskTemplate.ContainerSpec.Configs}}{{.ConfigName}}{{end}} "
                    "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}}{{end}}'")
    assert spec.stdout.split() == ["hello_page_v1", "hello_token_v1"], spec.stdout + spec.stderr
    kept = host.file("/etc/dockyard-swarm/stacks/hello.yml")
    assert kept.mode == 0o600 and "hello_token_v1" in kept.content_string
    assert "not-a-real-secret" not in kept.content_string
